//! The browser facade (`src/web.rs`) in a real browser: `wasm-pack test --headless
//! --chrome --release -- --test web`. It predicts on drawings made on the page and
//! matches the native result; bad input of every kind is an `Error`, never a panic.
#![cfg(target_arch = "wasm32")]

mod web_fixture;

use twinnet::predict::Prediction;
use twinnet::web::{take_panic_message, Model, PixelFormat, WebError, Which};
use wasm_bindgen::{JsCast, JsError, JsValue};
use wasm_bindgen_test::*;
use web_fixture::*;

wasm_bindgen_test_configure!(run_in_browser);

fn model() -> Model {
    Model::new(WEIGHTS).unwrap_or_else(|e| panic!("fixture weights: {}", message(e)))
}

/// The message of the `Error` JavaScript would catch.
fn message(error: JsError) -> String {
    JsValue::from(error)
        .dyn_into::<js_sys::Error>()
        .map(|e| String::from(e.message()))
        .unwrap_or_else(|v| format!("not an Error: {v:?}"))
}

fn load_error(bytes: &[u8]) -> String {
    match Model::new(bytes) {
        Ok(_) => panic!("{} bytes of bad weights loaded", bytes.len()),
        Err(e) => message(e),
    }
}

fn predict(model: &Model, a: &[u8], b: &[u8], format: &str) -> Result<Prediction, String> {
    let value = model.predict(a, b, format).map_err(message)?;
    Ok(serde_wasm_bindgen::from_value(value).expect("a Prediction"))
}

/// The alpha channel of RGBA bytes.
fn alpha(rgba: &[u8]) -> Vec<u8> {
    rgba.iter().skip(3).step_by(4).copied().collect()
}

#[wasm_bindgen_test]
fn predicts_like_native() {
    let (three, eight) = drawings();
    let p = predict(&model(), &three, &eight, "rgba").unwrap();
    assert_prediction_close(&p, &expected());
    assert_eq!(p.a.as_ref().map(|v| v.argmax), Some(3));
    assert_eq!(p.b.as_ref().map(|v| v.argmax), Some(8));
    assert!(p.verdict.is_some_and(|v| v.le));
}

#[wasm_bindgen_test]
fn alpha_pixels_predict_like_rgba() {
    let (three, eight) = drawings();
    let p = predict(&model(), &alpha(&three), &alpha(&eight), "alpha").unwrap();
    assert_prediction_close(&p, &expected());
}

#[wasm_bindgen_test]
fn drawings_of_different_sizes() {
    // A small alpha-only second drawing: the 8's 14×14 input, enlarged 4× to 56×56.
    let (three, eight) = drawings();
    let reference = predict(&model(), &three, &eight, "rgba").unwrap();
    let input = reference.b.as_ref().unwrap().input.clone();
    let small: Vec<u8> = (0..56 * 56)
        .map(|i| (input[(i / 56 / 4) * 14 + (i % 56) / 4] * 255.0).round() as u8)
        .collect();
    let p = predict(&model(), &alpha(&three), &small, "alpha").unwrap();
    assert_eq!(p.b.as_ref().map(|v| v.argmax), Some(8));
}

#[wasm_bindgen_test]
fn blank_drawings_have_no_verdict() {
    let (three, _) = drawings();
    let empty = vec![0u8; three.len()];
    let p = predict(&model(), &three, &empty, "rgba").unwrap();
    assert!(p.verdict.is_none() && !p.blank_a && p.blank_b && p.b.is_none());
    assert_eq!(p.a.as_ref().map(|v| v.argmax), Some(3));
    let p = predict(&model(), &empty, &empty, "rgba").unwrap();
    assert!(p.verdict.is_none() && p.a.is_none() && p.b.is_none() && p.blank_a && p.blank_b);
}

#[wasm_bindgen_test]
fn model_info() {
    let info = model().info().map_err(message).unwrap();
    let get = |key: &str| js_sys::Reflect::get(&info, &key.into()).unwrap();
    assert_eq!(get("name").as_string().as_deref(), Some("share+aux"));
    assert_eq!(get("share").as_bool(), Some(true));
    assert_eq!(get("aux").as_bool(), Some(true));
    assert_eq!(get("parameters").as_f64(), Some(9_574.0));
}

#[wasm_bindgen_test]
fn bad_weights_are_errors() {
    assert!(
        load_error(b"").contains("not a TwinNet weights file"),
        "{}",
        load_error(b"")
    );
    let garbage = load_error(b"these are not weights at all");
    assert!(garbage.contains("not a TwinNet weights file"), "{garbage}");
    let truncated = load_error(&WEIGHTS[..WEIGHTS.len() / 2]);
    assert!(
        truncated.contains("not a TwinNet weights file"),
        "{truncated}"
    );
    // A valid safetensors file that is not a TwinNet: the loader lists the problems.
    let golden = load_error(include_bytes!(
        "fixtures/pytorch/golden_share_aux.safetensors"
    ));
    assert!(golden.starts_with("weights"), "{golden}");
    assert_eq!(take_panic_message(), None, "nothing panicked");
}

#[wasm_bindgen_test]
fn bad_pixels_are_errors() {
    let model = model();
    let (three, eight) = drawings();
    let err = predict(&model, &three[..three.len() - 4], &eight, "rgba").unwrap_err();
    assert!(
        err.contains("first drawing") && err.contains("not a square rgba image"),
        "{err}"
    );
    let err = predict(&model, &three, &[], "rgba").unwrap_err();
    assert!(err.contains("second drawing"), "{err}");
    let err = predict(&model, &three, &eight, "bgr").unwrap_err();
    assert!(err.contains("unknown pixel format \"bgr\""), "{err}");
    assert_eq!(take_panic_message(), None, "nothing panicked");
}

#[wasm_bindgen_test]
fn typed_errors_for_rust_callers() {
    let model = Model::from_bytes(WEIGHTS).expect("fixture weights");
    let not_square = model.prediction(&[0; 12], &[0; 16], PixelFormat::Rgba);
    assert!(matches!(
        not_square,
        Err(WebError::NotSquare {
            which: Which::First,
            bytes: 12,
            channels: 4,
            ..
        })
    ));
    assert!(matches!(
        PixelFormat::parse("RGBA"),
        Err(WebError::UnknownFormat(_))
    ));
    assert!(matches!(Model::from_bytes(b"x"), Err(WebError::Weights(_))));
}
