//! The parity fixture of the browser facade: a 3 and an 8 drawn on the page by the
//! end-to-end test (real pointer strokes in Chromium; the canvases' RGBA bytes, gzip),
//! the model they go through, and the native prediction on them
//! (`tests/web_parity.rs` checks it natively; `tests/web.rs` checks the wasm facade
//! against it). See `tests/fixtures/web/README.md`.
#![allow(dead_code)]

use std::io::Read;

use twinnet::predict::{DigitView, Prediction, Verdict};

pub const THREE_RGBA_GZ: &[u8] = include_bytes!("../fixtures/web/three.rgba.gz");
pub const EIGHT_RGBA_GZ: &[u8] = include_bytes!("../fixtures/web/eight.rgba.gz");
pub const WEIGHTS: &[u8] = include_bytes!("../fixtures/pytorch/twinnet_share_aux.safetensors");
pub const EXPECTED_JSON: &str = include_str!("../fixtures/web/three-eight.prediction.json");
/// Where [`EXPECTED_JSON`] lives, for re-making it (`TWINNET_BLESS=1`).
pub const EXPECTED_PATH: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/web/three-eight.prediction.json"
);

/// Largest difference allowed between wasm (SIMD) and native float results.
pub const TOLERANCE: f32 = 1e-5;

pub fn gunzip(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(bytes)
        .read_to_end(&mut out)
        .expect("fixture is gzip");
    out
}

/// The drawings' RGBA bytes: (first, second).
pub fn drawings() -> (Vec<u8>, Vec<u8>) {
    (gunzip(THREE_RGBA_GZ), gunzip(EIGHT_RGBA_GZ))
}

/// The side of a square RGBA image.
pub fn rgba_side(rgba: &[u8]) -> usize {
    let side = ((rgba.len() / 4) as f64).sqrt().round() as usize;
    assert_eq!(
        side * side * 4,
        rgba.len(),
        "fixture is not a square RGBA image"
    );
    side
}

pub fn expected() -> Prediction {
    serde_json::from_str(EXPECTED_JSON).expect("fixture JSON is a Prediction")
}

fn assert_all_close(what: &str, actual: &[f32], expected: &[f32]) {
    assert_eq!(actual.len(), expected.len(), "{what}: length");
    for (i, (a, e)) in actual.iter().zip(expected).enumerate() {
        assert!((a - e).abs() <= TOLERANCE, "{what}[{i}]: {a} vs {e}");
    }
}

fn assert_view_close(what: &str, actual: &Option<DigitView>, expected: &Option<DigitView>) {
    match (actual, expected) {
        (Some(a), Some(e)) => {
            assert_all_close(&format!("{what}.input"), &a.input, &e.input);
            assert_all_close(&format!("{what}.probs"), &a.probs, &e.probs);
            assert_eq!(a.argmax, e.argmax, "{what}.argmax");
        }
        (None, None) => {}
        _ => panic!("{what}: {actual:?} vs {expected:?}"),
    }
}

fn verdict_values(v: &Verdict) -> [f32; 3] {
    [v.p_le_readout, v.p_le_head, v.p_le]
}

/// Equal up to [`TOLERANCE`] in every number, exactly in everything else.
pub fn assert_prediction_close(actual: &Prediction, expected: &Prediction) {
    match (&actual.verdict, &expected.verdict) {
        (Some(a), Some(e)) => {
            assert_all_close("verdict", &verdict_values(a), &verdict_values(e));
            assert_eq!(a.le, e.le, "verdict.le");
        }
        (None, None) => {}
        (a, e) => panic!("verdict: {a:?} vs {e:?}"),
    }
    assert_view_close("a", &actual.a, &expected.a);
    assert_view_close("b", &actual.b, &expected.b);
    assert_eq!(
        (actual.blank_a, actual.blank_b, actual.aux),
        (expected.blank_a, expected.blank_b, expected.aux)
    );
}
