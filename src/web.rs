//! The browser facade: the only module that knows about JavaScript.
//!
//! A thin layer over the core for the page's Web Worker:
//!
//! - [`Model`]: a TwinNet made from safetensors bytes (`new Model(bytes)` in JS; a bad
//!   file throws an `Error` carrying the loader's message).
//! - [`Model::predict`]: two drawings' pixels (RGBA as from `getImageData`, or one alpha
//!   byte per pixel; any square size) → the core's [`Prediction`] as a plain JS object
//!   (`null` where the Rust value is `None`).
//! - [`take_panic_message`]: what the last panic said. Nothing here is meant to panic
//!   (every failure is an `Error`), but if something does, the panic hook reports it on
//!   the console and keeps the message, so the worker can answer with it rather than
//!   with wasm's bare "unreachable".
//!
//! Compiled only for `wasm32` (see `lib.rs`); everything else in the crate stays free of
//! wasm-bindgen.

use std::sync::Mutex;

use serde::Serialize;
use wasm_bindgen::prelude::*;

use crate::data::PIXELS14;
use crate::model::{Normalization, TwinNet};
use crate::predict::{self, Prediction};
use crate::preprocess::{self, GrayImage, PreprocessError};
use crate::weights::{self, WeightsError};

/// How a drawing's bytes are laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PixelFormat {
    /// 4 bytes per pixel, as `CanvasRenderingContext2D.getImageData` gives them.
    /// Interpreted by [`GrayImage::from_rgba`]: alpha when anything is transparent,
    /// else luminance.
    Rgba,
    /// 1 byte per pixel, the ink (0 = none, 255 = full).
    Alpha,
}

impl PixelFormat {
    /// `"rgba"` or `"alpha"`.
    pub fn parse(name: &str) -> Result<Self, WebError> {
        match name {
            "rgba" => Ok(Self::Rgba),
            "alpha" => Ok(Self::Alpha),
            other => Err(WebError::UnknownFormat(other.to_owned())),
        }
    }

    /// Bytes per pixel.
    pub fn channels(self) -> usize {
        match self {
            Self::Rgba => 4,
            Self::Alpha => 1,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Self::Rgba => "rgba",
            Self::Alpha => "alpha",
        }
    }
}

/// Which of the two drawings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Which {
    First,
    Second,
}

impl std::fmt::Display for Which {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Which::First => "first",
            Which::Second => "second",
        })
    }
}

/// Why the facade could not do what JavaScript asked; becomes the `Error`'s message.
#[derive(Debug, thiserror::Error)]
pub enum WebError {
    #[error("unknown pixel format {0:?}: use \"rgba\" (4 bytes per pixel, as getImageData gives) or \"alpha\" (1 byte per pixel)")]
    UnknownFormat(String),
    #[error("{which} drawing: {bytes} bytes is not a square {format} image (side × side × {channels} bytes); send the whole square canvas")]
    NotSquare {
        which: Which,
        bytes: usize,
        format: &'static str,
        channels: usize,
    },
    #[error("{which} drawing: {source}")]
    Preprocess {
        which: Which,
        source: PreprocessError,
    },
    #[error(transparent)]
    Weights(#[from] WeightsError),
    #[error("the model failed on this pair: {0}")]
    Model(#[from] candle_core::Error),
    #[error("could not hand the result to JavaScript: {0}")]
    Serialize(String),
}

/// The side of a square image of `bytes` bytes at `channels` bytes per pixel.
fn square_side(bytes: usize, channels: usize) -> Option<usize> {
    if bytes == 0 || !bytes.is_multiple_of(channels) {
        return None;
    }
    let pixels = bytes / channels;
    // The float root is exact for every size a canvas can have; check it anyway.
    let side = (pixels as f64).sqrt().round() as usize;
    (side.checked_mul(side) == Some(pixels)).then_some(side)
}

/// One drawing's pixels → what the network sees (`None` when it is blank).
fn network_input(
    which: Which,
    pixels: &[u8],
    format: PixelFormat,
) -> Result<Option<[f32; PIXELS14]>, WebError> {
    let channels = format.channels();
    let side = square_side(pixels.len(), channels).ok_or(WebError::NotSquare {
        which,
        bytes: pixels.len(),
        format: format.name(),
        channels,
    })?;
    let image = match format {
        PixelFormat::Rgba => GrayImage::from_rgba(side, side, pixels),
        PixelFormat::Alpha => {
            let ink = pixels.iter().map(|&b| f32::from(b) / 255.0).collect();
            GrayImage::new(side, side, ink)
        }
    }
    .map_err(|source| WebError::Preprocess { which, source })?;
    Ok(preprocess::preprocess(&image))
}

/// What the page shows about a loaded model.
#[derive(Debug, Clone, Serialize)]
pub struct ModelInfo {
    /// `none`, `share`, `aux` or `share+aux`.
    pub name: &'static str,
    pub share: bool,
    pub aux: bool,
    pub parameters: usize,
    pub normalization: Normalization,
}

/// Plain JS objects, `null` for `None` (so `JSON.stringify` keeps every key).
fn to_js<T: Serialize>(value: &T) -> Result<JsValue, WebError> {
    value
        .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .map_err(|e| WebError::Serialize(e.to_string()))
}

/// A loaded TwinNet. The worker that creates it is its only owner.
#[wasm_bindgen]
pub struct Model {
    net: TwinNet,
}

impl Model {
    /// [`Model::new`] with the typed error, for Rust callers.
    pub fn from_bytes(weights: &[u8]) -> Result<Self, WebError> {
        Ok(Self {
            net: weights::from_safetensors(weights)?,
        })
    }

    /// [`Model::predict`] with the typed error and the Rust value, for Rust callers.
    pub fn prediction(
        &self,
        a: &[u8],
        b: &[u8],
        format: PixelFormat,
    ) -> Result<Prediction, WebError> {
        let a = network_input(Which::First, a, format)?;
        let b = network_input(Which::Second, b, format)?;
        Ok(predict::predict(&self.net, a.as_ref(), b.as_ref())?)
    }
}

#[wasm_bindgen]
impl Model {
    /// A model from the bytes of a safetensors weights file; throws an `Error` with
    /// the loader's message (what is missing or wrong) if they are not a TwinNet.
    #[wasm_bindgen(constructor)]
    pub fn new(weights: &[u8]) -> Result<Model, JsError> {
        Ok(Self::from_bytes(weights)?)
    }

    /// `{name, share, aux, parameters, normalization: {mean, std}}`.
    pub fn info(&self) -> Result<JsValue, JsError> {
        let config = self.net.config();
        let info = ModelInfo {
            name: config.name(),
            share: config.share,
            aux: config.aux,
            parameters: self.net.parameter_count(),
            normalization: self.net.normalization(),
        };
        Ok(to_js(&info)?)
    }

    /// Predicts on two drawings, each the bytes of a square image in `format`
    /// (`"rgba"` or `"alpha"`); the two may differ in size. Returns
    /// `{verdict: {p_le_readout, p_le_head, p_le, le} | null, a: {input, probs, argmax} | null,
    /// b: … | null, blank_a, blank_b, aux}` (see `predict::Prediction`); a blank side has
    /// no view and then there is no verdict.
    pub fn predict(&self, a: &[u8], b: &[u8], format: &str) -> Result<JsValue, JsError> {
        let prediction = self.prediction(a, b, PixelFormat::parse(format)?)?;
        Ok(to_js(&prediction)?)
    }
}

/// The message of the last panic, if any; see the module documentation.
static LAST_PANIC: Mutex<Option<String>> = Mutex::new(None);

/// Installed when the module is instantiated: panics go to the console with their
/// message and location, and [`take_panic_message`] can tell the worker about them.
#[wasm_bindgen(start)]
pub fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        console_error_panic_hook::hook(info);
        if let Ok(mut last) = LAST_PANIC.try_lock() {
            *last = Some(info.to_string());
        }
    }));
}

/// The message of the last panic (and forgets it), or `undefined`. After a panic the
/// module is unusable (wasm aborts); the worker reports this message and is replaced.
#[wasm_bindgen(js_name = takePanicMessage)]
pub fn take_panic_message() -> Option<String> {
    LAST_PANIC.try_lock().ok().and_then(|mut last| last.take())
}
