//! One prediction on two drawings: the verdict and both digits' probabilities.

use candle_core::{Device, Tensor};

use crate::data::{PIXELS14, SIDE14};
use crate::model::{self, TwinNet, DIGITS};

/// What the network sees of one digit and what it thinks it is.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct DigitView {
    /// The 14×14 input in [0, 1] intensity units (before normalisation), row-major.
    pub input: Vec<f32>,
    /// Softmax of the digit output (trained to classify digits only with aux loss).
    pub probs: Vec<f32>,
    /// The most probable digit.
    pub argmax: usize,
}

/// The verdict on a pair: is the first digit ≤ the second?
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Verdict {
    /// P(first ≤ second) from the probabilistic readout of the two digit outputs.
    pub p_le_readout: f32,
    /// P(first ≤ second) from the head's 2-way output.
    pub p_le_head: f32,
    /// The probability shown to people: the readout when the model was trained
    /// with aux loss (its digit outputs are then real digit probabilities), else the head.
    pub p_le: f32,
    /// `p_le >= 0.5`.
    pub le: bool,
}

/// The result of [`predict`]; a blank drawing has no view, and a pair with a
/// blank side has no verdict (never a prediction of nothing).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Prediction {
    pub verdict: Option<Verdict>,
    pub a: Option<DigitView>,
    pub b: Option<DigitView>,
    pub blank_a: bool,
    pub blank_b: bool,
    /// Whether the model's digit outputs were trained to classify digits.
    pub aux: bool,
}

impl Verdict {
    /// The verdict read off one pair's outputs: both digits' ten probabilities and the
    /// head's two (softmaxes); `aux` says whether the digit outputs are digit
    /// probabilities (then they decide, else the head does).
    pub fn of(aux: bool, probs_a: &[f32], probs_b: &[f32], pair: &[f32]) -> Verdict {
        let digits = |p: &[f32]| {
            let mut d = [0f32; DIGITS];
            d.iter_mut().zip(p).for_each(|(d, &p)| *d = p);
            d
        };
        let p_le_readout = model::readout_probs(&digits(probs_a), &digits(probs_b));
        let p_le_head = pair.get(1).copied().unwrap_or(f32::NAN);
        let p_le = if aux { p_le_readout } else { p_le_head };
        Verdict {
            p_le_readout,
            p_le_head,
            p_le,
            le: p_le >= 0.5,
        }
    }
}

/// The index of the largest value (the first of equals).
pub fn argmax(p: &[f32]) -> usize {
    p.iter()
        .enumerate()
        .fold((0, f32::NEG_INFINITY), |best, (i, &v)| {
            if v > best.1 {
                (i, v)
            } else {
                best
            }
        })
        .0
}

/// Predicts on two 14×14 inputs in [0, 1] units (`None` = blank drawing).
pub fn predict(
    model: &TwinNet,
    a: Option<&[f32; PIXELS14]>,
    b: Option<&[f32; PIXELS14]>,
) -> candle_core::Result<Prediction> {
    let aux = model.config().aux;
    let blank = [0f32; PIXELS14];
    let norm = model.normalization();
    let to_tensor = |x: &[f32; PIXELS14]| -> candle_core::Result<Tensor> {
        let mut v = x.to_vec();
        norm.apply(&mut v);
        Tensor::from_vec(v, (1, 1, SIDE14, SIDE14), &Device::Cpu)
    };
    if a.is_none() && b.is_none() {
        return Ok(Prediction {
            verdict: None,
            a: None,
            b: None,
            blank_a: true,
            blank_b: true,
            aux,
        });
    }
    let ta = to_tensor(a.unwrap_or(&blank))?;
    let tb = to_tensor(b.unwrap_or(&blank))?;
    let out = model.eval(&ta, &tb)?;
    let probs = |logits: &Tensor| -> candle_core::Result<Vec<f32>> {
        Ok(model::softmax_row(&logits.flatten_all()?.to_vec1::<f32>()?))
    };
    let (pa, pb) = (probs(&out.digit_a)?, probs(&out.digit_b)?);
    let pair = probs(&out.pair)?;
    if pa.iter().chain(&pb).chain(&pair).any(|p| !p.is_finite()) {
        candle_core::bail!(
            "the model gave a probability that is not a number: its weights are damaged \
             (load the pretrained model or other weights)"
        );
    }
    let view = |x: Option<&[f32; PIXELS14]>, p: &Vec<f32>| {
        x.map(|x| DigitView {
            input: x.to_vec(),
            probs: p.clone(),
            argmax: argmax(p),
        })
    };
    let verdict = (a.is_some() && b.is_some()).then(|| Verdict::of(aux, &pa, &pb, &pair));
    Ok(Prediction {
        verdict,
        a: view(a, &pa),
        b: view(b, &pb),
        blank_a: a.is_none(),
        blank_b: b.is_none(),
        aux,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{ModelConfig, Normalization};
    use crate::rng::Rng;

    #[test]
    fn a_non_finite_output_is_an_error_not_a_probability() {
        let config = ModelConfig {
            share: true,
            aux: true,
        };
        let norm = Normalization {
            mean: 0.1,
            std: 0.3,
        };
        let fine = TwinNet::new(config, norm, &mut Rng::new(1)).unwrap();
        let ink = [1f32; PIXELS14];
        assert!(predict(&fine, Some(&ink), Some(&ink)).is_ok());
        // A negative running variance (the loader refuses it; here it is built in memory)
        // makes BatchNorm's output NaN.
        let mut state: std::collections::HashMap<String, Tensor> =
            fine.state().unwrap().into_iter().collect();
        for (name, t) in state.iter_mut() {
            if name.ends_with(crate::model::RUNNING_VAR) {
                *t = (t.ones_like().unwrap() * -1.0).unwrap();
            }
        }
        let broken = TwinNet::from_state(config, norm, |name| {
            state
                .remove(name)
                .ok_or_else(|| candle_core::Error::Msg(format!("no {name}")))
        })
        .unwrap();
        let e = predict(&broken, Some(&ink), Some(&ink)).unwrap_err();
        assert!(e.to_string().contains("not a number"), "{e}");
        let e = predict(&broken, Some(&ink), None).unwrap_err();
        assert!(e.to_string().contains("weights are damaged"), "{e}");
    }
}
