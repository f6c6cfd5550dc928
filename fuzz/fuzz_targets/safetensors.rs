//! Fuzz the weights loader: any bytes → a model or an error, never a panic,
//! and a loaded model writes back to bytes that load again.
#![no_main]

use libfuzzer_sys::fuzz_target;
use twinnet::weights;

fuzz_target!(|data: &[u8]| {
    if let Ok(model) = weights::from_safetensors(data) {
        let bytes = weights::to_safetensors(&model).expect("a loaded model serialises");
        let again = weights::from_safetensors(&bytes).expect("our own bytes load");
        assert_eq!(again.config(), model.config());
    }
});
