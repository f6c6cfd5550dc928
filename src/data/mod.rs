//! Digit data: where images come from and how pairs are made of them.
//!
//! - [`idx`]: the standard MNIST idx files (raw or gzip), validated.
//! - [`digits_file`]: TwinNet's compact digits file (the embedded default data).
//! - [`pairs`]: pair sets exactly as the course's `generate_pair_sets`.
//!
//! Both file formats read through `input`: raw or gzip bytes with capped decompression,
//! format sniffing, and the checks they share.

pub mod digits_file;
pub mod idx;
mod input;
pub mod pairs;
pub mod standard_set;

/// The image sizes, defined with the preprocessing that makes them (data uses it for
/// pairs), and part of this module's interface too.
pub use crate::preprocess::{PIXELS14, PIXELS28, SIDE14, SIDE28};

/// Labelled 28×28 digit images, 8-bit, as MNIST stores them (0 = background, 255 = ink).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DigitSet {
    /// `len() * 784` bytes, row-major, image after image.
    pixels: Vec<u8>,
    /// One class 0..=9 per image.
    labels: Vec<u8>,
}

/// Why digit data could not be read. Every message names the input and what is wrong.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum DataError {
    #[error("{name}: {problem}")]
    Invalid { name: String, problem: String },
    #[error("{0}")]
    Other(String),
}

impl DataError {
    pub fn invalid(name: impl Into<String>, problem: impl Into<String>) -> Self {
        Self::Invalid {
            name: name.into(),
            problem: problem.into(),
        }
    }
}

impl DigitSet {
    /// Builds a set, checking that sizes agree and labels are digits.
    pub fn new(pixels: Vec<u8>, labels: Vec<u8>) -> Result<Self, DataError> {
        if pixels.len() != labels.len() * PIXELS28 {
            return Err(DataError::Other(format!(
                "{} labels need {} pixels, got {}",
                labels.len(),
                labels.len() * PIXELS28,
                pixels.len()
            )));
        }
        if let Some(i) = labels.iter().position(|&l| l > 9) {
            return Err(DataError::Other(format!(
                "label {} of image {i} is not a digit 0-9",
                labels[i]
            )));
        }
        Ok(Self { pixels, labels })
    }

    pub fn len(&self) -> usize {
        self.labels.len()
    }

    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    /// The 784 bytes of image `i`.
    pub fn image(&self, i: usize) -> &[u8] {
        &self.pixels[i * PIXELS28..(i + 1) * PIXELS28]
    }

    pub fn label(&self, i: usize) -> u8 {
        self.labels[i]
    }

    pub fn labels(&self) -> &[u8] {
        &self.labels
    }

    pub fn pixels(&self) -> &[u8] {
        &self.pixels
    }

    /// The images at `indices`, in that order, as a new set.
    pub fn subset(&self, indices: &[usize]) -> DigitSet {
        let mut pixels = Vec::with_capacity(indices.len() * PIXELS28);
        let mut labels = Vec::with_capacity(indices.len());
        for &i in indices {
            pixels.extend_from_slice(self.image(i));
            labels.push(self.labels[i]);
        }
        DigitSet { pixels, labels }
    }

    /// Appends another set's images.
    pub fn extend(&mut self, other: &DigitSet) {
        self.pixels.extend_from_slice(&other.pixels);
        self.labels.extend_from_slice(&other.labels);
    }
}
