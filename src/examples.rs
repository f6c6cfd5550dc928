//! The page's example digits: held-out MNIST digits as pen strokes that the page draws
//! on a pad, so anyone (a keyboard user, someone who cannot draw well) gets a verdict.
//!
//! An example is a digit the shipped model never trained on (`twinnet pretrain` holds
//! out the end of the MNIST training set), traced into strokes ([`pad_strokes`]) in pad
//! units. The set keeps, per class, the first held-out digits that the model reads as
//! their label when painted with the page's pen ([`paint_pad`] at [`PAGE_PEN_WIDTH`]):
//! an example is there to show how the page works, and says so (`README`).

use crate::data::DigitSet;
use crate::model::{TwinNet, DIGITS};
use crate::predict::predict;
use crate::preprocess::preprocess;
use crate::strokes::{pad_strokes, paint_pad, Point};

/// The page's pen width as a fraction of the pad's side (`PEN_WIDTH` in `www/draw.js`; a
/// test checks they agree).
pub const PAGE_PEN_WIDTH: f32 = 1.0 / 12.0;
/// How large an example is drawn: the larger side of its strokes' box, of the pad's side.
pub const EXAMPLE_SIZE: f32 = 0.62;
/// The canvas side the examples are checked on (the page's pad at 280 CSS pixels).
pub const CHECK_CANVAS: usize = 280;
/// Decimals kept of a stroke coordinate (pad units): a thousandth of the pad.
const DECIMALS: i32 = 3;
/// Most examples per class a set may ask for (the file stays a few KB).
pub const MAX_PER_CLASS: usize = 10;

/// One example: its label, where it comes from and its strokes.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Example {
    /// The digit (MNIST's label).
    pub label: u8,
    /// Its index in the MNIST training set.
    pub image: usize,
    /// Polylines in pad units (0..1, y down), each point `[x, y]`.
    pub strokes: Vec<Vec<[f32; 2]>>,
}

/// The file the page loads (`www/examples.json`).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ExampleSet {
    /// Where the digits come from, in words.
    pub source: String,
    /// Held-out digits looked at to find them (the others were full or misread).
    pub tried: usize,
    /// Of those, how many of a class still wanted were misread and left out.
    pub misread: usize,
    pub examples: Vec<Example>,
}

/// Why an example set could not be made.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum ExamplesError {
    #[error("--per-class {0} is out of range: 1 to {MAX_PER_CLASS}")]
    PerClass(usize),
    #[error(
        "only {found} of the {wanted} examples of digit {digit} found among the held-out \
         digits: hold out more images"
    )]
    TooFew {
        digit: usize,
        found: usize,
        wanted: usize,
    },
    #[error("the model failed on an example: {0}")]
    Model(String),
}

impl Example {
    /// The strokes as the strokes module's points.
    pub fn points(&self) -> Vec<Vec<Point>> {
        self.strokes
            .iter()
            .map(|stroke| stroke.iter().map(|&[x, y]| (x, y)).collect())
            .collect()
    }

    /// The class `model` reads when the example is painted with the page's pen
    /// (`None`: it paints nothing).
    pub fn read_by(&self, model: &TwinNet) -> Result<Option<usize>, ExamplesError> {
        let painted = paint_pad(&self.points(), PAGE_PEN_WIDTH, CHECK_CANVAS)
            .map_err(|e| ExamplesError::Model(e.to_string()))?;
        let Some(input) = preprocess(&painted) else {
            return Ok(None);
        };
        let prediction =
            predict(model, Some(&input), None).map_err(|e| ExamplesError::Model(e.to_string()))?;
        Ok(prediction.a.map(|view| view.argmax))
    }
}

fn rounded(p: Point) -> [f32; 2] {
    let unit = 10f32.powi(DECIMALS);
    [(p.0 * unit).round() / unit, (p.1 * unit).round() / unit]
}

/// Up to `per_class` examples of each digit from `digits` (whose image `k` is image
/// `first_index + k` of the MNIST training set), in order, keeping those `model` reads
/// as their label; an error if a class has too few.
pub fn pick(
    digits: &DigitSet,
    first_index: usize,
    per_class: usize,
    model: &TwinNet,
) -> Result<ExampleSet, ExamplesError> {
    if !(1..=MAX_PER_CLASS).contains(&per_class) {
        return Err(ExamplesError::PerClass(per_class));
    }
    let mut by_class: Vec<Vec<Example>> = vec![Vec::new(); DIGITS];
    let (mut tried, mut misread) = (0usize, 0usize);
    for k in 0..digits.len() {
        if by_class.iter().all(|chosen| chosen.len() == per_class) {
            break;
        }
        tried += 1;
        let label = digits.label(k);
        let chosen = &mut by_class[usize::from(label)];
        if chosen.len() == per_class {
            continue;
        }
        let strokes: Vec<Vec<[f32; 2]>> = pad_strokes(digits.image(k), EXAMPLE_SIZE)
            .into_iter()
            .map(|stroke| stroke.into_iter().map(rounded).collect())
            .collect();
        let example = Example {
            label,
            image: first_index + k,
            strokes,
        };
        if example.read_by(model)? == Some(usize::from(label)) {
            chosen.push(example);
        } else {
            misread += 1;
        }
    }
    for (digit, chosen) in by_class.iter().enumerate() {
        if chosen.len() < per_class {
            return Err(ExamplesError::TooFew {
                digit,
                found: chosen.len(),
                wanted: per_class,
            });
        }
    }
    let last = first_index + tried.saturating_sub(1);
    Ok(ExampleSet {
        source: format!(
            "MNIST training set images {first_index}–{last} (held out from the page's model), \
             the first {per_class} of each digit that the page's model reads correctly when \
             drawn with its pen"
        ),
        tried,
        misread,
        examples: by_class.into_iter().flatten().collect(),
    })
}
