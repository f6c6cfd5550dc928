//! The native side of the wasm/native parity check: the fixture drawings through the
//! core (as `src/web.rs` does for RGBA) give the stored prediction that `tests/web.rs`
//! expects from the facade in the browser. `TWINNET_BLESS=1` re-makes the JSON.
#![cfg(not(target_arch = "wasm32"))]

mod web_fixture;

use twinnet::predict::{predict, Prediction};
use twinnet::preprocess::{preprocess, GrayImage};
use web_fixture::*;

fn native_prediction() -> Prediction {
    let model = twinnet::weights::from_safetensors(WEIGHTS).unwrap();
    let (a, b) = drawings();
    let input = |rgba: &[u8]| {
        let side = rgba_side(rgba);
        preprocess(&GrayImage::from_rgba(side, side, rgba).unwrap())
    };
    let (a, b) = (input(&a), input(&b));
    predict(&model, a.as_ref(), b.as_ref()).unwrap()
}

#[test]
fn fixture_prediction_is_the_native_one() {
    let native = native_prediction();
    if std::env::var_os("TWINNET_BLESS").is_some() {
        let json = serde_json::to_string_pretty(&native).unwrap() + "\n";
        std::fs::write(EXPECTED_PATH, json).unwrap();
    } else {
        assert_prediction_close(&native, &expected());
    }
    // The fixture is what it claims to be.
    assert_eq!(native.a.as_ref().map(|v| v.argmax), Some(3));
    assert_eq!(native.b.as_ref().map(|v| v.argmax), Some(8));
    assert!(native.verdict.is_some_and(|v| v.le));
}
