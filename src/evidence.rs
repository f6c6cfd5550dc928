//! Evidence maps: which pixels of a drawing moved the network's decision.
//!
//! The method is occlusion, one pixel at a time: for each inked pixel of a digit's 14×14
//! input, the pair is run again with that pixel blank (0, the paper) and the other digit
//! as it is, and the pixel's value is how much the target's log-odds fell:
//!
//! `value(pixel) = L(target | drawing) − L(target | drawing with that pixel blank)`,
//! `L(p) = ln(p / (1 − p))` (nats).
//!
//! Positive: the pixel is evidence *for* the target (without it the network is less
//! sure); negative: evidence *against*. Paper pixels are 0 (blanking them changes
//! nothing). Log-odds rather than the probability itself, because a confident network
//! saturates: at 99.9999 % one pixel moves the probability by 10⁻⁷, below what f32 can
//! rank, while its log-odds still move by a readable amount (computed from the logits,
//! in f64). Two targets are explained, from the same forward passes:
//! - the shown verdict: "first ≤ second" when the verdict says ≤, else "first > second"
//!   (only when both digits are drawn);
//! - the digit's winning class: its probability among the ten.
//!
//! It costs one batched forward pass per drawn digit, of one row per inked pixel plus
//! the drawing itself (at most 197 rows): no gradients, so the predictor alone can
//! afford it after every verdict.

use candle_core::{Device, Tensor};

use crate::data::{PIXELS14, SIDE14};
use crate::model::{self, TwinNet, DIGITS};
use crate::predict::argmax;

/// One digit's evidence: what the network saw and which of it mattered.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct DigitEvidence {
    /// The 196 network inputs explained (14×14, row-major, [0, 1], un-normalised).
    pub input: Vec<f32>,
    /// Per pixel, how much it raised the log-odds of the verdict shown (see the module);
    /// `None` when the other digit is blank (no verdict).
    pub verdict: Option<Vec<f32>>,
    /// The digit's most probable class.
    pub class: usize,
    /// Per pixel, how much it raised that class's log-odds.
    pub digit: Vec<f32>,
}

/// The evidence maps of both drawings (`None` for a blank one).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Evidence {
    pub a: Option<DigitEvidence>,
    pub b: Option<DigitEvidence>,
}

/// What the maps explain, read off one pair's logits: log-odds in nats, in f64.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LogOdds {
    /// `L(P(first ≤ second))` as the verdict computes it: from the digit readout when the
    /// model has the auxiliary loss, else from the head.
    pub le: f64,
    /// `L(P(class))` of each of the first digit's ten classes.
    pub a: [f64; DIGITS],
    /// The same for the second digit.
    pub b: [f64; DIGITS],
}

/// `ln(p / (1 − p))` of each class from its logits: `logit_c − ln Σ_{j≠c} e^{logit_j}`.
fn class_log_odds(logits: &[f32]) -> ([f64; DIGITS], [f64; DIGITS]) {
    let max = logits.iter().copied().fold(f32::NEG_INFINITY, f32::max) as f64;
    let exps: Vec<f64> = logits.iter().map(|&l| (l as f64 - max).exp()).collect();
    let total: f64 = exps.iter().sum();
    let (mut odds, mut probs) = ([0f64; DIGITS], [0f64; DIGITS]);
    for c in 0..DIGITS.min(logits.len()) {
        odds[c] = exps[c].ln() - (total - exps[c]).max(f64::MIN_POSITIVE).ln();
        probs[c] = exps[c] / total;
    }
    (odds, probs)
}

/// [`LogOdds`] of each row of a batch of pairs (normalised inputs `(N, 1, 14, 14)`).
fn batch_log_odds(model: &TwinNet, a: &Tensor, b: &Tensor) -> candle_core::Result<Vec<LogOdds>> {
    let out = model.eval(a, b)?;
    let (la, lb) = (out.digit_a.to_vec2::<f32>()?, out.digit_b.to_vec2::<f32>()?);
    let pair = out.pair.to_vec2::<f32>()?;
    let aux = model.config().aux;
    let mut rows = Vec::with_capacity(pair.len());
    for ((la, lb), pair) in la.iter().zip(&lb).zip(&pair) {
        if la.iter().chain(lb).chain(pair).any(|l| !l.is_finite()) {
            candle_core::bail!(
                "the model gave an output that is not a number: its weights are damaged \
                 (load the pretrained model or other weights)"
            );
        }
        let ((odds_a, pa), (odds_b, pb)) = (class_log_odds(la), class_log_odds(lb));
        let le = if aux {
            model::readout_log_odds(&pa, &pb)
        } else {
            pair.get(1)
                .zip(pair.first())
                .map_or(0.0, |(&le, &gt)| le as f64 - gt as f64)
        };
        rows.push(LogOdds {
            le,
            a: odds_a,
            b: odds_b,
        });
    }
    Ok(rows)
}

/// The network's inputs as a normalised `(N, 1, 14, 14)` tensor (`values`: N × 196).
fn input_tensor(model: &TwinNet, mut values: Vec<f32>) -> candle_core::Result<Tensor> {
    let rows = values.len() / PIXELS14;
    model.normalization().apply(&mut values);
    Tensor::from_vec(values, (rows, 1, SIDE14, SIDE14), &Device::Cpu)
}

/// [`LogOdds`] of one pair of 14×14 inputs in [0, 1] units.
pub fn log_odds(
    model: &TwinNet,
    a: &[f32; PIXELS14],
    b: &[f32; PIXELS14],
) -> candle_core::Result<LogOdds> {
    let rows = batch_log_odds(
        model,
        &input_tensor(model, a.to_vec())?,
        &input_tensor(model, b.to_vec())?,
    )?;
    rows.into_iter()
        .next()
        .ok_or_else(|| candle_core::Error::Msg("the model gave no output".into()))
}

#[derive(Clone, Copy)]
enum Side {
    First,
    Second,
}

/// Both drawings' evidence maps (14×14 inputs in [0, 1] units; `None` = blank).
pub fn evidence(
    model: &TwinNet,
    a: Option<&[f32; PIXELS14]>,
    b: Option<&[f32; PIXELS14]>,
) -> candle_core::Result<Evidence> {
    let both = a.is_some() && b.is_some();
    let blank = [0f32; PIXELS14];
    let (ia, ib) = (a.unwrap_or(&blank), b.unwrap_or(&blank));
    Ok(Evidence {
        a: a.map(|_| digit_evidence(model, ia, ib, Side::First, both))
            .transpose()?,
        b: b.map(|_| digit_evidence(model, ia, ib, Side::Second, both))
            .transpose()?,
    })
}

/// `input` with each inked pixel blanked in turn: row 0 is the drawing itself, row k + 1
/// has pixel `inked[k]` blank.
fn occluded(input: &[f32; PIXELS14], inked: &[usize]) -> Vec<f32> {
    let mut rows = Vec::with_capacity((inked.len() + 1) * PIXELS14);
    rows.extend_from_slice(input);
    for &pixel in inked {
        let start = rows.len();
        rows.extend_from_slice(input);
        rows[start + pixel] = 0.0;
    }
    rows
}

fn digit_evidence(
    model: &TwinNet,
    a: &[f32; PIXELS14],
    b: &[f32; PIXELS14],
    side: Side,
    with_verdict: bool,
) -> candle_core::Result<DigitEvidence> {
    let (input, other) = match side {
        Side::First => (a, b),
        Side::Second => (b, a),
    };
    let inked: Vec<usize> = (0..PIXELS14).filter(|&i| input[i] > 0.0).collect();
    let varied = input_tensor(model, occluded(input, &inked))?;
    let fixed = input_tensor(model, other.repeat(inked.len() + 1))?;
    let rows = match side {
        Side::First => batch_log_odds(model, &varied, &fixed)?,
        Side::Second => batch_log_odds(model, &fixed, &varied)?,
    };
    let own = |row: &LogOdds| match side {
        Side::First => row.a,
        Side::Second => row.b,
    };
    let class = argmax(&own(&rows[0]).map(|l| l as f32));
    // The shown verdict is "≤" when P(≤) ≥ ½, i.e. its log-odds ≥ 0.
    let sign = if rows[0].le >= 0.0 { 1.0 } else { -1.0 };
    let map = |target: &dyn Fn(&LogOdds) -> f64| {
        let mut values = vec![0f32; PIXELS14];
        let full = target(&rows[0]);
        for (row, &pixel) in rows[1..].iter().zip(&inked) {
            values[pixel] = (full - target(row)) as f32;
        }
        values
    };
    Ok(DigitEvidence {
        input: input.to_vec(),
        verdict: with_verdict.then(|| map(&|row| sign * row.le)),
        class,
        digit: map(&|row| own(row)[class]),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{ModelConfig, Normalization};
    use crate::predict::predict;
    use crate::rng::Rng;

    fn net(config: ModelConfig) -> TwinNet {
        let norm = Normalization {
            mean: 0.1,
            std: 0.3,
        };
        TwinNet::new(config, norm, &mut Rng::new(3)).unwrap()
    }

    /// A bar of ink in rows 3..11 of column `col`.
    fn bar(col: usize) -> [f32; PIXELS14] {
        let mut x = [0f32; PIXELS14];
        for row in 3..11 {
            x[row * SIDE14 + col] = 1.0;
        }
        x
    }

    #[test]
    fn paper_pixels_carry_no_evidence_and_blank_sides_have_no_map() {
        let model = net(ModelConfig::SHARE_AUX);
        let a = bar(5);
        let e = evidence(&model, Some(&a), None).unwrap();
        assert!(e.b.is_none());
        let ea = e.a.unwrap();
        assert!(ea.verdict.is_none(), "no verdict without the second digit");
        assert_eq!(ea.input, a.to_vec());
        for (i, &v) in ea.digit.iter().enumerate() {
            if a[i] == 0.0 {
                assert_eq!(v, 0.0, "pixel {i} is paper");
            }
        }
        assert!(ea.digit.iter().any(|&v| v != 0.0));
        let none = evidence(&model, None, None).unwrap();
        assert!(none.a.is_none() && none.b.is_none());
    }

    #[test]
    fn a_value_is_the_fall_of_the_log_odds_when_its_pixel_is_blank() {
        for config in [ModelConfig::SHARE_AUX, ModelConfig::ALL[0]] {
            let model = net(config);
            let (a, b) = (bar(4), bar(9));
            let e = evidence(&model, Some(&a), Some(&b)).unwrap();
            let shown = predict(&model, Some(&a), Some(&b)).unwrap();
            let full = log_odds(&model, &a, &b).unwrap();
            let verdict = shown.verdict.unwrap();
            assert_eq!(verdict.le, full.le >= 0.0, "{config:?}");
            // The log-odds are those of the probabilities the page shows.
            let p_le = 1.0 / (1.0 + (-full.le).exp());
            assert!(
                (p_le - verdict.p_le as f64).abs() < 1e-5,
                "{p_le} vs {}",
                verdict.p_le
            );
            let sign = if verdict.le { 1.0 } else { -1.0 };
            for (side, ev) in [(0, e.a.unwrap()), (1, e.b.unwrap())] {
                let values = ev.verdict.unwrap();
                let view = if side == 0 { &shown.a } else { &shown.b };
                assert_eq!(ev.class, view.as_ref().unwrap().argmax);
                let pixel = 7 * SIDE14 + if side == 0 { 4 } else { 9 };
                let (mut a2, mut b2) = (a, b);
                if side == 0 {
                    a2[pixel] = 0.0;
                } else {
                    b2[pixel] = 0.0;
                }
                let without = log_odds(&model, &a2, &b2).unwrap();
                let expected = sign * (full.le - without.le);
                assert!(
                    (values[pixel] as f64 - expected).abs() < 1e-4,
                    "{config:?} side {side}: {} vs {expected}",
                    values[pixel]
                );
                let (f, w) = if side == 0 {
                    (full.a, without.a)
                } else {
                    (full.b, without.b)
                };
                let class_expected = f[ev.class] - w[ev.class];
                assert!((ev.digit[pixel] as f64 - class_expected).abs() < 1e-4);
            }
        }
    }
}
