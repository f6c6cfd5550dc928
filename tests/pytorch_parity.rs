//! A TwinNet trained by PyTorch loads and gives PyTorch's outputs (logits within 1e-6
//! of their magnitude, probabilities within 5e-6), and survives a round trip through our
//! writer.

use std::collections::HashMap;

use candle_core::{Device, Tensor};
use twinnet::model::{self, ModelConfig};
use twinnet::weights;

const MODEL: &[u8] = include_bytes!("fixtures/pytorch/twinnet_share_aux.safetensors");
const GOLDEN: &[u8] = include_bytes!("fixtures/pytorch/golden_share_aux.safetensors");

fn golden() -> HashMap<String, Tensor> {
    candle_core::safetensors::load_buffer(GOLDEN, &Device::Cpu).expect("golden fixture")
}

fn max_abs(t: &Tensor) -> f32 {
    t.abs()
        .unwrap()
        .max_all()
        .unwrap()
        .to_scalar::<f32>()
        .unwrap()
}

fn max_abs_diff(a: &Tensor, b: &Tensor) -> f32 {
    max_abs(&(a - b).unwrap())
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
        // Float32 rounding, a few units in the last place of the largest logit: a batch of
        // 16 images or more takes Winograd's F(4×4, 3×3) in the second conv layer, whose
        // transforms round more than PyTorch's direct convolution (on this fixture, logits
        // up to 20: 1.7e-5 by F(4×4), 6.7e-6 by F(2×2, 3×3)).
        let d = max_abs_diff(ours, &g[name]);
        let bound = 1e-6 * max_abs(&g[name]).max(1.0);
        assert!(d <= bound, "{name}: max |ours - PyTorch| = {d} > {bound}");
    }
    for (logits, name) in [
        (&out.pair, "softmax2"),
        (&out.digit_a, "softmax10_a"),
        (&out.digit_b, "softmax10_b"),
    ] {
        // A softmax moves at most ¼ of the logits' difference, and the largest differences
        // are in the largest logits, whose probabilities saturate (eval mode also folds
        // BatchNorm into the linear layer before it, which rounds differently from
        // PyTorch's separate BatchNorm).
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
