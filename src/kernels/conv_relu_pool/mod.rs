//! `Conv2d(k=3, valid, stride 1) → ReLU → AvgPool2d(2)` as one candle op with its own
//! forward and backward.
//!
//! Candle runs these as four graph nodes (conv, bias add, relu, pool), each with a full
//! intermediate tensor, and its CPU conv backward is a generic convolution; for the
//! TwinNet's tiny layers that was most of the training time. Here the layer is three
//! matrix products on the transposed im2col matrix `Pᵀ` (one row per kernel tap, one
//! column per conv output position), all through [`gemm`](super::gemm::gemm) with the long dimension along
//! rows:
//!
//! - forward: `Z (O × J) = W (O × K) · Pᵀ (K × J) + b`, then ReLU and the 2×2 mean;
//! - weight gradient: `dWᵀ (K × O) = Pᵀ · dZᵀ (J × O)`, bias gradient `Σ_j dZ`;
//! - input gradient: `dPᵀ (K × J) = Wᵀ · dZ (O × J)`, added back onto the image (col2im),
//!
//! where `J` = images × conv output positions, `K` = input channels × 9, `O` = output
//! channels. The batch goes through in chunks of images small enough to stay in cache.
//! Training keeps `Pᵀ` and `Z` from the forward pass for the backward pass (a few MB per
//! batch); inference keeps nothing.
//!
//! Layers with several input channels and batches of many images take Winograd's
//! F(4×4, 3×3) instead where the conv output cuts into 4×4 tiles, else F(2×2, 3×3)
//! (`winograd.rs`, chosen by `Algorithm::for_geometry`): the same results up to rounding
//! with 4× or 2.25× fewer multiplications.
//!
//! Here: the candle op and the choice between the two; `im2col.rs` and `winograd.rs` compute
//! the layer, both on the sizes and helpers of `geometry.rs`.

// Without feature `training` (the page's predictor module) the backward half here is
// compiled but never called, and the linker leaves it out of the module.
#![cfg_attr(not(feature = "training"), allow(dead_code, unused_imports))]

mod geometry;
mod im2col;
mod winograd;

use std::sync::Mutex;

use candle_core::backend::BackendStorage;
use candle_core::{CpuStorage, CustomOp3, Layout, Shape, Tensor};

use geometry::{Geometry, KERNEL};
pub(crate) use winograd::Tiling;

/// Which gradients the backward pass computes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Gradients {
    /// Inference: build no graph node, keep nothing for a backward pass.
    None,
    /// Weight and bias gradients; the input is data (the first layer).
    Weights,
    /// Weight, bias and input gradients (a layer after another layer).
    WeightsAndInput,
}

/// `relu(conv3x3(x, w) + b)` averaged over 2×2 windows: `x (N, C, H, W)`,
/// `w (O, C, 3, 3)`, `b (O)` → `(N, O, (H-2)/2, (W-2)/2)`. `H - 2` and `W - 2` must be even.
pub fn conv3x3_relu_pool(
    x: &Tensor,
    w: &Tensor,
    b: &Tensor,
    gradients: Gradients,
) -> candle_core::Result<Tensor> {
    with_algorithm(x, w, b, gradients, None)
}

/// [`conv3x3_relu_pool`] computed by `algorithm` (`None`: the faster for the shapes).
pub(crate) fn with_algorithm(
    x: &Tensor,
    w: &Tensor,
    b: &Tensor,
    gradients: Gradients,
    algorithm: Option<Algorithm>,
) -> candle_core::Result<Tensor> {
    let (x, w, b) = (x.contiguous()?, w.contiguous()?, b.contiguous()?);
    let op = |save, input_grad| ConvReluPool::new(save, input_grad, algorithm);
    match gradients {
        Gradients::None => x.apply_op3_no_bwd(&w, &b, &op(false, false)),
        Gradients::Weights => x.apply_op3(&w, &b, op(true, false)),
        Gradients::WeightsAndInput => x.apply_op3(&w, &b, op(true, true)),
    }
}

/// How the layer computes its convolution.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Algorithm {
    /// Im2col and three matrix products ([`im2col`]).
    Im2col,
    /// One of Winograd's algorithms ([`winograd`]): F(2×2, 3×3) multiplies 2.25× less,
    /// F(4×4, 3×3) 4× less, but both transform per input channel and output channel.
    Winograd(Tiling),
}

impl Algorithm {
    /// Input channels from which Winograd is faster: its transforms cost about what
    /// im2col's copies do, so it wins once the products dominate. With one input
    /// channel (the first layer) the products are tiny and im2col is faster.
    const WINOGRAD_MIN_CHANNELS: usize = 4;
    /// Images from which Winograd is faster: below, transforming the filters (once per
    /// call) costs more than it saves; a one-pair prediction takes im2col.
    const WINOGRAD_MIN_IMAGES: usize = 16;

    fn for_geometry(g: &Geometry) -> Self {
        if g.channels < Self::WINOGRAD_MIN_CHANNELS || g.images < Self::WINOGRAD_MIN_IMAGES {
            Algorithm::Im2col
        } else if Tiling::F4x4.fits(g) {
            Algorithm::Winograd(Tiling::F4x4)
        } else {
            Algorithm::Winograd(Tiling::F2x2)
        }
    }
}

/// What the forward pass keeps for the backward pass.
struct Saved {
    geometry: Geometry,
    kept: Kept,
}

enum Kept {
    Im2col(im2col::Saved),
    Winograd(winograd::Saved),
}

/// The candle op; see the module documentation.
struct ConvReluPool {
    /// Keep the forward pass's patches and conv output (only when a backward pass may come).
    save: bool,
    input_grad: bool,
    /// `None`: [`Algorithm::for_geometry`].
    algorithm: Option<Algorithm>,
    saved: Mutex<Option<Saved>>,
}

impl ConvReluPool {
    fn new(save: bool, input_grad: bool, algorithm: Option<Algorithm>) -> Self {
        Self {
            save,
            input_grad,
            algorithm,
            saved: Mutex::new(None),
        }
    }
}

fn f32_slice<'a>(
    storage: &'a CpuStorage,
    layout: &Layout,
    what: &str,
) -> candle_core::Result<&'a [f32]> {
    let (start, end) = layout.contiguous_offsets().ok_or_else(|| {
        candle_core::Error::Msg(format!("conv3x3_relu_pool: {what} is not contiguous"))
    })?;
    match storage {
        CpuStorage::F32(values) => Ok(&values[start..end]),
        other => candle_core::bail!(
            "conv3x3_relu_pool: {what} must be f32, got {:?}",
            other.dtype()
        ),
    }
}

impl CustomOp3 for ConvReluPool {
    fn name(&self) -> &'static str {
        "conv3x3-relu-avgpool2"
    }

    fn cpu_fwd(
        &self,
        s1: &CpuStorage,
        l1: &Layout,
        s2: &CpuStorage,
        l2: &Layout,
        s3: &CpuStorage,
        l3: &Layout,
    ) -> candle_core::Result<(CpuStorage, Shape)> {
        let g = Geometry::of(l1, l2, l3)?;
        let x = f32_slice(s1, l1, "input")?;
        let w = f32_slice(s2, l2, "weight")?;
        let b = f32_slice(s3, l3, "bias")?;
        let (out, kept) = match self.algorithm.unwrap_or(Algorithm::for_geometry(&g)) {
            Algorithm::Im2col => {
                let (out, saved) = im2col::forward(&g, x, w, b, self.save);
                (out, saved.map(Kept::Im2col))
            }
            Algorithm::Winograd(tiling) => {
                if !tiling.fits(&g) {
                    candle_core::bail!(
                        "conv3x3_relu_pool: a {}×{} conv output does not cut into {tiling:?} tiles",
                        g.conv_h(),
                        g.conv_w()
                    );
                }
                let (out, saved) = winograd::forward(tiling, &g, x, w, b, self.save);
                (out, saved.map(Kept::Winograd))
            }
        };
        if let Some(kept) = kept {
            let mut saved = self
                .saved
                .lock()
                .map_err(|_| candle_core::Error::Msg("conv3x3_relu_pool: poisoned".into()))?;
            *saved = Some(Saved { geometry: g, kept });
        }
        Ok((CpuStorage::F32(out), g.output_shape()))
    }

    // The predictor (built without `training`) never runs a backward pass: without this,
    // candle's default says so, and the backward kernels stay out of its module.
    #[cfg(feature = "training")]
    fn bwd(
        &self,
        _x: &Tensor,
        w: &Tensor,
        _b: &Tensor,
        _res: &Tensor,
        grad: &Tensor,
    ) -> candle_core::Result<(Option<Tensor>, Option<Tensor>, Option<Tensor>)> {
        let Saved { geometry: g, kept } = self
            .saved
            .lock()
            .map_err(|_| candle_core::Error::Msg("conv3x3_relu_pool: poisoned".into()))?
            .take()
            .ok_or_else(|| {
                candle_core::Error::Msg(
                    "conv3x3_relu_pool: backward without a saved forward pass".into(),
                )
            })?;
        let grad = grad.contiguous()?.flatten_all()?.to_vec1::<f32>()?;
        let w = if self.input_grad {
            Some(w.contiguous()?.flatten_all()?.to_vec1::<f32>()?)
        } else {
            None
        };
        let (dx, dw, db) = match kept {
            Kept::Im2col(saved) => im2col::backward(&g, &saved, &grad, w.as_deref()),
            Kept::Winograd(saved) => winograd::backward(&g, saved, &grad, w.as_deref()),
        };
        let cpu = &candle_core::Device::Cpu;
        let dx = match dx {
            Some(dx) => Some(Tensor::from_vec(
                dx,
                (g.images, g.channels, g.height, g.width),
                cpu,
            )?),
            None => None,
        };
        let dw = Tensor::from_vec(dw, (g.outputs, g.channels, KERNEL, KERNEL), cpu)?;
        let db = Tensor::from_vec(db, g.outputs, cpu)?;
        Ok((dx, Some(dw), Some(db)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::{Rng, Stream};
    use candle_core::{Device, Var};

    fn random(rng: &mut Rng, shape: &[usize]) -> candle_core::Result<Var> {
        let n = shape.iter().product();
        let v: Vec<f32> = (0..n).map(|_| rng.uniform(-1.0, 1.0)).collect();
        Var::from_vec(v, shape, &Device::Cpu)
    }

    const ALGORITHMS: [Algorithm; 3] = [
        Algorithm::Im2col,
        Algorithm::Winograd(Tiling::F2x2),
        Algorithm::Winograd(Tiling::F4x4),
    ];

    fn geometry(images: usize, channels: usize, side: usize, outputs: usize) -> Geometry {
        Geometry {
            images,
            channels,
            height: side,
            width: side,
            outputs,
        }
    }

    /// The same layer from candle's own ops.
    fn reference(x: &Tensor, w: &Tensor, b: &Tensor) -> candle_core::Result<Tensor> {
        let o = b.dims1()?;
        x.conv2d(w, 0, 1, 1, 1)?
            .broadcast_add(&b.reshape((1, o, 1, 1))?)?
            .relu()?
            .avg_pool2d(2)
    }

    /// The largest difference relative to the reference's largest magnitude (sums over
    /// thousands of terms round differently in a different order).
    fn max_diff(got: &Tensor, want: &Tensor) -> f32 {
        let max_abs = |t: &Tensor| -> f32 {
            t.abs()
                .and_then(|t| t.flatten_all()?.max(0)?.to_scalar::<f32>())
                .expect("a finite tensor")
        };
        let diff = (got - want).expect("the same shapes");
        max_abs(&diff) / max_abs(want).max(1.0)
    }

    /// Values and all three gradients against candle's graph, for both layer shapes and
    /// others, by every algorithm whose tiles fit the shape.
    #[test]
    fn matches_candles_conv_relu_pool_and_its_gradients() -> candle_core::Result<()> {
        let mut rng = Rng::for_stream(3, Stream::Init);
        // The first two span several chunks (see `im2col::chunk_images` and
        // `winograd::chunk_images`), the last chunk partial; the others have more tiles.
        let shapes = [
            (40, 1, 14, 16),
            (50, 16, 6, 32),
            (2, 3, 8, 5),
            (7, 16, 10, 8),
        ];
        for algorithm in ALGORITHMS {
            for (n, c, h, o) in shapes {
                if let Algorithm::Winograd(tiling) = algorithm {
                    if !tiling.fits(&geometry(n, c, h, o)) {
                        continue;
                    }
                }
                let x = random(&mut rng, &[n, c, h, h])?;
                let w = random(&mut rng, &[o, c, 3, 3])?;
                let b = random(&mut rng, &[o])?;
                // A loss that weights every output differently.
                let out_shape = [n, o, (h - 2) / 2, (h - 2) / 2];
                let weights = random(&mut rng, &out_shape)?;
                let what = format!("{algorithm:?} {n}×{c}×{h}→{o}");

                let want = reference(&x, &w, &b)?;
                let got = with_algorithm(&x, &w, &b, Gradients::WeightsAndInput, Some(algorithm))?;
                assert_eq!(got.dims(), want.dims());
                let diff = max_diff(&got, &want);
                assert!(diff <= 1e-5, "forward {what}: {diff}");

                let want_grads = (want * weights.as_tensor())?.sum_all()?.backward()?;
                let got_grads = (got * weights.as_tensor())?.sum_all()?.backward()?;
                for (name, var) in [("input", &x), ("weight", &w), ("bias", &b)] {
                    let (g, wg) = (
                        got_grads.get(var).expect("gradient"),
                        want_grads.get(var).expect("gradient"),
                    );
                    let diff = max_diff(g, wg);
                    assert!(diff <= 1e-5, "{name} gradient {what}: {diff}");
                }

                let inference = with_algorithm(&x, &w, &b, Gradients::None, Some(algorithm))?;
                let diff = max_diff(&inference, &reference(&x, &w, &b)?);
                assert!(diff <= 1e-5, "inference {what}: {diff}");
            }
        }
        Ok(())
    }

    /// The first layer trains without an input gradient, by either algorithm.
    #[test]
    fn the_first_layer_has_no_input_gradient() -> candle_core::Result<()> {
        let mut rng = Rng::for_stream(4, Stream::Init);
        let x = random(&mut rng, &[2, 1, 6, 6])?;
        let w = random(&mut rng, &[4, 1, 3, 3])?;
        let b = random(&mut rng, &[4])?;
        for algorithm in ALGORITHMS {
            let grads = with_algorithm(&x, &w, &b, Gradients::Weights, Some(algorithm))?
                .sum_all()?
                .backward()?;
            assert!(grads.get(&x).is_none());
            assert!(grads.get(&w).is_some() && grads.get(&b).is_some());
        }
        Ok(())
    }

    #[test]
    fn refuses_shapes_it_cannot_pool() -> candle_core::Result<()> {
        let x = Tensor::zeros((1, 1, 7, 7), candle_core::DType::F32, &Device::Cpu)?;
        let w = Tensor::zeros((2, 1, 3, 3), candle_core::DType::F32, &Device::Cpu)?;
        let b = Tensor::zeros(2, candle_core::DType::F32, &Device::Cpu)?;
        let err = conv3x3_relu_pool(&x, &w, &b, Gradients::None).unwrap_err();
        assert!(err.to_string().contains("even conv output"), "{err}");
        // A 6×6 conv output cuts into 2×2 tiles, not into 4×4 ones.
        let x8 = Tensor::zeros((1, 1, 8, 8), candle_core::DType::F32, &Device::Cpu)?;
        let f4 = Some(Algorithm::Winograd(Tiling::F4x4));
        let err = with_algorithm(&x8, &w, &b, Gradients::None, f4).unwrap_err();
        assert!(
            err.to_string().contains("does not cut into F4x4 tiles"),
            "{err}"
        );
        let f2 = Some(Algorithm::Winograd(Tiling::F2x2));
        assert!(with_algorithm(&x8, &w, &b, Gradients::None, f2).is_ok());
        let w3 = Tensor::zeros((2, 2, 3, 3), candle_core::DType::F32, &Device::Cpu)?;
        assert!(conv3x3_relu_pool(&x8, &w3, &b, Gradients::None).is_err());
        Ok(())
    }
}
