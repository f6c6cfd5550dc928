//! A TwinNet trained by PyTorch loads and gives PyTorch's outputs (≤ 1e-5),
//! and survives a round trip through our writer.

use std::collections::HashMap;

use candle_core::{Device, Tensor};
use twinnet::model::{self, ModelConfig};
use twinnet::weights;

const MODEL: &[u8] = include_bytes!("fixtures/pytorch/twinnet_share_aux.safetensors");
const GOLDEN: &[u8] = include_bytes!("fixtures/pytorch/golden_share_aux.safetensors");

fn golden() -> HashMap<String, Tensor> {
    candle_core::safetensors::load_buffer(GOLDEN, &Device::Cpu).expect("golden fixture")
}

fn max_abs_diff(a: &Tensor, b: &Tensor) -> f32 {
    (a - b)
        .unwrap()
        .abs()
        .unwrap()
        .max_all()
        .unwrap()
        .to_scalar::<f32>()
        .unwrap()
}

fn check_outputs(model: &twinnet::model::TwinNet) {
    let g = golden();
    let inputs = &g["inputs"];
    let a = inputs.narrow(1, 0, 1).unwrap().contiguous().unwrap();
    let b = inputs.narrow(1, 1, 1).unwrap().contiguous().unwrap();
    let out = model.eval(&a, &b).unwrap();
    for (ours, name) in [
        (&out.pair, "logits2"),
        (&out.digit_a, "logits10_a"),
        (&out.digit_b, "logits10_b"),
    ] {
        let d = max_abs_diff(ours, &g[name]);
        assert!(d <= 1e-5, "{name}: max |ours - PyTorch| = {d}");
    }
    for (logits, name) in [
        (&out.pair, "softmax2"),
        (&out.digit_a, "softmax10_a"),
        (&out.digit_b, "softmax10_b"),
    ] {
        // A softmax moves at most ¼ of the logits' difference: logits within 1e-5 each
        // give probabilities within 5e-6 (eval mode folds BatchNorm into the linear layer
        // before it, which rounds differently from PyTorch's separate BatchNorm).
        let d = max_abs_diff(&model::softmax(logits).unwrap(), &g[name]);
        assert!(d <= 5e-6, "{name}: {d}");
    }
}

#[test]
fn pytorch_weights_load_with_metadata() {
    let model = weights::from_safetensors(MODEL).expect("PyTorch fixture loads");
    assert_eq!(model.config(), ModelConfig::SHARE_AUX);
    let g = golden();
    let mean = g["norm_mean"].to_vec1::<f32>().unwrap()[0];
    let std = g["norm_std"].to_vec1::<f32>().unwrap()[0];
    assert!((model.normalization().mean - mean).abs() < 1e-7);
    assert!((model.normalization().std - std).abs() < 1e-7);
}

#[test]
fn pytorch_model_gives_pytorch_outputs() {
    check_outputs(&weights::from_safetensors(MODEL).unwrap());
}

#[test]
fn our_writer_round_trips_the_pytorch_model() {
    let model = weights::from_safetensors(MODEL).unwrap();
    let bytes = weights::to_safetensors(&model).unwrap();
    let again = weights::from_safetensors(&bytes).unwrap();
    check_outputs(&again);
    // Same names, dtypes and shapes as PyTorch's state_dict, so strict loading works there.
    let theirs = safetensors::SafeTensors::deserialize(MODEL).unwrap();
    let ours = safetensors::SafeTensors::deserialize(&bytes).unwrap();
    let mut tn = theirs.names();
    let mut on = ours.names();
    tn.sort();
    on.sort();
    assert_eq!(tn, on);
    for n in tn {
        let (t, o) = (theirs.tensor(n).unwrap(), ours.tensor(n).unwrap());
        assert_eq!((t.dtype(), t.shape()), (o.dtype(), o.shape()), "{n}");
        assert_eq!(t.data(), o.data(), "{n} bytes");
    }
}

#[test]
fn readout_on_the_golden_pairs_beats_chance() {
    let model = weights::from_safetensors(MODEL).unwrap();
    let g = golden();
    let inputs = &g["inputs"];
    let a = inputs.narrow(1, 0, 1).unwrap().contiguous().unwrap();
    let b = inputs.narrow(1, 1, 1).unwrap().contiguous().unwrap();
    let out = model.eval(&a, &b).unwrap();
    let p = model::readout(
        &model::softmax(&out.digit_a).unwrap(),
        &model::softmax(&out.digit_b).unwrap(),
    )
    .unwrap()
    .to_vec1::<f32>()
    .unwrap();
    let target = g["target"].to_vec1::<i64>().unwrap();
    let right = p
        .iter()
        .zip(&target)
        .filter(|(p, &t)| (**p >= 0.5) == (t == 1))
        .count();
    assert!(right >= 17, "readout right on {right} of 20 golden pairs");
}
