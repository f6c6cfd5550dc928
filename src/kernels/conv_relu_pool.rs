//! `Conv2d(k=3, valid, stride 1) → ReLU → AvgPool2d(2)` as one candle op with its own
//! forward and backward.
//!
//! Candle runs these as four graph nodes (conv, bias add, relu, pool), each with a full
//! intermediate tensor, and its CPU conv backward is a generic convolution; for the
//! TwinNet's tiny layers that was most of the training time. Here the layer is three
//! matrix products on the transposed im2col matrix `Pᵀ` (one row per kernel tap, one
//! column per conv output position), all through [`gemm`] with the long dimension along
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
//! F(2×2, 3×3) instead (`kernels/winograd.rs`, chosen by `Algorithm::for_geometry`): the
//! same results up to rounding with 2.25× fewer multiplications.

use std::sync::Mutex;

use candle_core::backend::BackendStorage;
use candle_core::{CpuStorage, CustomOp3, Layout, Shape, Tensor};

use super::gemm::{gemm, Dims, Init, Strided};
use super::scratch::Buffer;
use super::winograd;

/// Side of the convolution kernel.
const KERNEL: usize = 3;
/// Taps of one kernel plane.
const TAPS: usize = KERNEL * KERNEL;

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

/// The sizes of one application of the layer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Geometry {
    pub(super) images: usize,
    pub(super) channels: usize,
    pub(super) height: usize,
    pub(super) width: usize,
    pub(super) outputs: usize,
}

impl Geometry {
    fn of(x: &Layout, w: &Layout, b: &Layout) -> candle_core::Result<Self> {
        let (images, channels, height, width) = x.shape().dims4()?;
        let (outputs, w_channels, kh, kw) = w.shape().dims4()?;
        let bias = b.shape().dims1()?;
        if w_channels != channels || kh != KERNEL || kw != KERNEL || bias != outputs {
            candle_core::bail!(
                "conv3x3_relu_pool: weight {:?} and bias {:?} do not fit input {:?}",
                w.shape(),
                b.shape(),
                x.shape()
            );
        }
        if height < KERNEL || width < KERNEL || (height - 2) % 2 != 0 || (width - 2) % 2 != 0 {
            candle_core::bail!(
                "conv3x3_relu_pool: input {height}×{width} must leave an even conv output of at least 2×2"
            );
        }
        Ok(Self {
            images,
            channels,
            height,
            width,
            outputs,
        })
    }

    fn conv_h(&self) -> usize {
        self.height - 2
    }
    fn conv_w(&self) -> usize {
        self.width - 2
    }
    /// Conv output positions over all images: the rows of the patch matrix.
    fn positions(&self) -> usize {
        self.images * self.conv_h() * self.conv_w()
    }
    /// Values in one patch: the columns of the patch matrix.
    fn patch(&self) -> usize {
        self.channels * TAPS
    }
    pub(super) fn pooled_h(&self) -> usize {
        self.conv_h() / 2
    }
    pub(super) fn pooled_w(&self) -> usize {
        self.conv_w() / 2
    }
    fn output_shape(&self) -> Shape {
        Shape::from((self.images, self.outputs, self.pooled_h(), self.pooled_w()))
    }

    /// The same layer on `images` of the images (a chunk).
    pub(super) fn with_images(&self, images: usize) -> Self {
        Self { images, ..*self }
    }

    /// Values of one input image, of one pooled output image, rows of `P` per image.
    pub(super) fn input_len(&self) -> usize {
        self.channels * self.height * self.width
    }
    pub(super) fn output_len(&self) -> usize {
        self.outputs * self.pooled_h() * self.pooled_w()
    }
    fn rows_per_image(&self) -> usize {
        self.conv_h() * self.conv_w()
    }

    /// Images per chunk: the forward and backward passes go through the batch a chunk at
    /// a time so that a chunk's patches and conv outputs (~256 KB) stay in cache between
    /// the steps that write and read them.
    fn chunk_images(&self) -> usize {
        const CHUNK_BYTES: usize = 256 * 1024;
        let per_image = self.rows_per_image() * (self.patch() + self.outputs) * 4;
        (CHUNK_BYTES / per_image).clamp(1, self.images.max(1))
    }

    /// Transposed im2col of `x` (this geometry's images), `K × J`:
    /// `pt[(c, ky, kx), (n, y, x)] = x[n, c, y + ky, x + kx]`, written in order.
    fn patches_t_into(&self, x: &[f32], pt: &mut [f32]) {
        let (ch, cw, j) = (self.conv_h(), self.conv_w(), self.positions());
        let (w, plane) = (self.width, self.height * self.width);
        for (tap_row, dst) in pt.chunks_exact_mut(j).take(self.patch()).enumerate() {
            let (c, ky, kx) = (tap_row / TAPS, tap_row % TAPS / KERNEL, tap_row % KERNEL);
            let mut runs = dst.chunks_exact_mut(cw);
            for image in x.chunks_exact(self.input_len()).take(self.images) {
                let plane = &image[c * plane..][..plane];
                for y in 0..ch {
                    let Some(run) = runs.next() else { return };
                    copy_run(run, &plane[(y + ky) * w + kx..][..cw]);
                }
            }
        }
    }

    /// col2im, the transpose of [`Geometry::patches_t_into`]: adds `dPᵀ (K × J)` onto the
    /// input gradient `dx` (this geometry's images, zeroed by the caller).
    fn fold_into(&self, dpt: &[f32], dx: &mut [f32]) {
        let (ch, cw, j) = (self.conv_h(), self.conv_w(), self.positions());
        let (w, plane) = (self.width, self.height * self.width);
        let input_len = self.input_len();
        for (tap_row, src) in dpt.chunks_exact(j).take(self.patch()).enumerate() {
            let (c, ky, kx) = (tap_row / TAPS, tap_row % TAPS / KERNEL, tap_row % KERNEL);
            let mut runs = src.chunks_exact(cw);
            for image in dx.chunks_exact_mut(input_len).take(self.images) {
                let plane = &mut image[c * plane..][..plane];
                for y in 0..ch {
                    let Some(run) = runs.next() else { return };
                    add_run(&mut plane[(y + ky) * w + kx..][..cw], run);
                }
            }
        }
    }

    /// `Z (O × J)` → the mean of `relu(Z)` over each 2×2 window, into `out` as NCHW.
    fn relu_pool_into(&self, z: &[f32], out: &mut [f32]) {
        let (cw, rows, j) = (self.conv_w(), self.rows_per_image(), self.positions());
        let (ph, pw) = (self.pooled_h(), self.pooled_w());
        // Not `v.max(0.0)`: on wasm32 that is a call to `fmaxf`.
        let relu = |v: f32| if v > 0.0 { v } else { 0.0 };
        // Two passes per pooled row, each a simple loop that vectorises: the ReLU'd sum
        // of the two conv rows, then the sum of neighbouring pairs.
        let mut rows_sum = vec![0.0f32; cw];
        for (n, image) in out
            .chunks_exact_mut(self.output_len())
            .take(self.images)
            .enumerate()
        {
            for (oc, pooled) in image.chunks_exact_mut(ph * pw).enumerate() {
                let conv = &z[oc * j + n * rows..][..rows];
                for (pair, out_row) in conv.chunks_exact(2 * cw).zip(pooled.chunks_exact_mut(pw)) {
                    let (top, below) = pair.split_at(cw);
                    for ((s, &t), &b) in rows_sum.iter_mut().zip(top).zip(below) {
                        *s = relu(t) + relu(b);
                    }
                    for (v, two) in out_row.iter_mut().zip(rows_sum.chunks_exact(2)) {
                        *v = 0.25 * (two[0] + two[1]);
                    }
                }
            }
        }
    }

    /// The gradient of [`Geometry::relu_pool_into`]: the pooled gradient (NCHW) spread
    /// over each window where the ReLU passed, as `dZ (O × J)` and its transpose.
    fn relu_pool_backward_into(&self, z: &[f32], grad: &[f32], dz: &mut [f32], dzt: &mut [f32]) {
        let (cw, rows, j, o) = (
            self.conv_w(),
            self.rows_per_image(),
            self.positions(),
            self.outputs,
        );
        let (ph, pw) = (self.pooled_h(), self.pooled_w());
        // Per pooled row: its gradient spread to conv width once, then each of the two
        // conv rows is a select over contiguous values (vectorises).
        let mut spread = vec![0.0f32; cw];
        for (n, image) in grad
            .chunks_exact(self.output_len())
            .take(self.images)
            .enumerate()
        {
            for (oc, pooled) in image.chunks_exact(ph * pw).enumerate() {
                let at = oc * j + n * rows;
                let (conv, dconv) = (&z[at..at + rows], &mut dz[at..at + rows]);
                let pairs = conv
                    .chunks_exact(2 * cw)
                    .zip(dconv.chunks_exact_mut(2 * cw));
                for ((conv, dconv), g) in pairs.zip(pooled.chunks_exact(pw)) {
                    for (two, &g) in spread.chunks_exact_mut(2).zip(g) {
                        two[0] = 0.25 * g;
                        two[1] = 0.25 * g;
                    }
                    for (conv, dconv) in conv.chunks_exact(cw).zip(dconv.chunks_exact_mut(cw)) {
                        for ((d, &z), &g) in dconv.iter_mut().zip(conv).zip(&spread) {
                            *d = if z > 0.0 { g } else { 0.0 };
                        }
                    }
                }
            }
        }
        transpose_into(&dz[..o * j], o, j, &mut dzt[..o * j]);
    }
}

/// `dst (cols × rows) = srcᵀ` for a row-major `rows × cols` `src`, in 4×4 blocks (whole
/// vectors in and out) when both sides are multiples of 4.
pub(super) fn transpose_into(src: &[f32], rows: usize, cols: usize, dst: &mut [f32]) {
    const B: usize = 4;
    if !rows.is_multiple_of(B) || !cols.is_multiple_of(B) {
        for (c, out) in dst.chunks_exact_mut(rows).take(cols).enumerate() {
            for (r, v) in out.iter_mut().enumerate() {
                *v = src[r * cols + c];
            }
        }
        return;
    }
    for c0 in (0..cols).step_by(B) {
        let out = &mut dst[c0 * rows..(c0 + B) * rows];
        for r0 in (0..rows).step_by(B) {
            let block: [[f32; B]; B] =
                std::array::from_fn(|i| *fixed::<B>(src, (r0 + i) * cols + c0));
            for (jj, out_row) in out.chunks_exact_mut(rows).enumerate() {
                let d: &mut [f32; B] = (&mut out_row[r0..r0 + B]).try_into().expect("B values");
                *d = std::array::from_fn(|i| block[i][jj]);
            }
        }
    }
}

#[inline(always)]
fn fixed<const N: usize>(s: &[f32], at: usize) -> &[f32; N] {
    s[at..at + N].try_into().expect("N values")
}

/// The sum of `values` in 8 interleaved partial sums: a plain `iter().sum()` is one
/// serial chain of float adds (no reassociation allowed), 8 lanes vectorise.
fn sum(values: &[f32]) -> f32 {
    let mut lanes = [0.0f32; 8];
    let mut chunks = values.chunks_exact(8);
    for chunk in &mut chunks {
        for (l, &v) in lanes.iter_mut().zip(chunk) {
            *l += v;
        }
    }
    lanes.iter().sum::<f32>() + chunks.remainder().iter().sum::<f32>()
}

/// `dst = src` for one row of a conv output: a fixed-size copy for the TwinNet's two
/// widths (12 and 4), which the compiler turns into a few vector moves instead of a
/// loop or a `memcpy` call.
#[inline(always)]
fn copy_run(dst: &mut [f32], src: &[f32]) {
    match (dst.len(), src.len()) {
        (12, 12) => copy_fixed::<12>(dst, src),
        (4, 4) => copy_fixed::<4>(dst, src),
        _ => dst.iter_mut().zip(src).for_each(|(d, &v)| *d = v),
    }
}

#[inline(always)]
fn copy_fixed<const N: usize>(dst: &mut [f32], src: &[f32]) {
    if let (Ok(d), Ok(s)) = (<&mut [f32; N]>::try_from(dst), <&[f32; N]>::try_from(src)) {
        *d = *s;
    }
}

/// `dst += src`, as [`copy_run`].
#[inline(always)]
fn add_run(dst: &mut [f32], src: &[f32]) {
    match (dst.len(), src.len()) {
        (12, 12) => add_fixed::<12>(dst, src),
        (4, 4) => add_fixed::<4>(dst, src),
        _ => dst.iter_mut().zip(src).for_each(|(d, &v)| *d += v),
    }
}

#[inline(always)]
fn add_fixed<const N: usize>(dst: &mut [f32], src: &[f32]) {
    if let (Ok(d), Ok(s)) = (<&mut [f32; N]>::try_from(dst), <&[f32; N]>::try_from(src)) {
        d.iter_mut().zip(s).for_each(|(d, &v)| *d += v);
    }
}

/// How the layer computes its convolution.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Algorithm {
    /// Im2col and three matrix products (this module).
    Im2col,
    /// Winograd F(2×2, 3×3) ([`super::winograd`]): 2.25× fewer multiplications, but
    /// transforms per input channel and output channel.
    Winograd,
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
        if g.channels >= Self::WINOGRAD_MIN_CHANNELS && g.images >= Self::WINOGRAD_MIN_IMAGES {
            Algorithm::Winograd
        } else {
            Algorithm::Im2col
        }
    }
}

/// What the forward pass keeps for the backward pass.
struct Saved {
    geometry: Geometry,
    kept: Kept,
}

enum Kept {
    Im2col {
        /// `Pᵀ` of the input, one `K × J` block per chunk of images.
        patches: Buffer,
        /// The conv output before the ReLU, one `O × J` block per chunk of images.
        z: Buffer,
    },
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

/// `Wᵀ`: `(O, K)` → `(K, O)`.
fn transpose(w: &[f32], rows: usize, cols: usize) -> Vec<f32> {
    let mut t = vec![0.0f32; w.len()];
    for r in 0..rows {
        for c in 0..cols {
            t[c * rows + r] = w[r * cols + c];
        }
    }
    t
}

/// The im2col forward pass: the pooled output, and the patches and conv output if `save`.
fn im2col_forward(
    g: &Geometry,
    x: &[f32],
    w: &[f32],
    b: &[f32],
    save: bool,
) -> (Vec<f32>, Option<Kept>) {
    let (j, k, o) = (g.positions(), g.patch(), g.outputs);
    let step = g.chunk_images();
    // For training each chunk's Pᵀ and Z are contiguous blocks of `patches` and `z`,
    // kept for the backward pass; for inference one chunk's worth is reused (in cache).
    let rows = if save {
        j
    } else {
        j.min(step * g.rows_per_image())
    };
    let mut patches = Buffer::scratch(rows * k);
    let mut z = Buffer::scratch(rows * o);
    let mut out = vec![0.0f32; g.images * g.output_len()];
    for first in (0..g.images).step_by(step) {
        let c = g.with_images(step.min(g.images - first));
        let row0 = if save { first * g.rows_per_image() } else { 0 };
        let pt = &mut patches[row0 * k..(row0 + c.positions()) * k];
        let zc = &mut z[row0 * o..(row0 + c.positions()) * o];
        c.patches_t_into(&x[first * g.input_len()..], pt);
        let dims = Dims {
            m: o,
            n: c.positions(),
            k,
        };
        gemm(dims, Strided::row_major(w, k), pt, zc, Init::Column(b));
        c.relu_pool_into(zc, &mut out[first * g.output_len()..]);
    }
    (out, save.then_some(Kept::Im2col { patches, z }))
}

/// The im2col backward pass: `(dx if w is given, dw (O, C, 3, 3), db)`.
fn im2col_backward(
    g: &Geometry,
    patches: &[f32],
    z: &[f32],
    grad: &[f32],
    w: Option<&[f32]>,
) -> (Option<Vec<f32>>, Vec<f32>, Vec<f32>) {
    let (k, o) = (g.patch(), g.outputs);
    let step = g.chunk_images();
    let chunk_rows = step * g.rows_per_image();
    let mut dz = Buffer::scratch(chunk_rows * o);
    let mut dzt = Buffer::scratch(chunk_rows * o);
    let mut dpt = Buffer::scratch(if w.is_some() { chunk_rows * k } else { 0 });
    let mut dx = w.map(|_| vec![0.0f32; g.images * g.input_len()]);
    let mut db = vec![0.0f32; o];
    let mut dwt = vec![0.0f32; k * o];
    for first in (0..g.images).step_by(step) {
        let c = g.with_images(step.min(g.images - first));
        let (row0, jc) = (first * g.rows_per_image(), c.positions());
        let (dz, dzt) = (&mut dz[..jc * o], &mut dzt[..jc * o]);
        let zc = &z[row0 * o..(row0 + jc) * o];
        c.relu_pool_backward_into(zc, &grad[first * g.output_len()..], dz, dzt);
        for (acc, row) in db.iter_mut().zip(dz.chunks_exact(jc)) {
            *acc += sum(row);
        }
        let pt = &patches[row0 * k..(row0 + jc) * k];
        let dims = Dims { m: k, n: o, k: jc };
        gemm(dims, Strided::row_major(pt, jc), dzt, &mut dwt, Init::Add);
        if let (Some(w), Some(dx)) = (w, &mut dx) {
            let dpt = &mut dpt[..jc * k];
            let dims = Dims { m: k, n: jc, k: o };
            gemm(dims, Strided::transposed(w, k), dz, dpt, Init::Zero);
            c.fold_into(dpt, &mut dx[first * g.input_len()..]);
        }
    }
    (dx, transpose(&dwt, k, o), db)
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
            Algorithm::Im2col => im2col_forward(&g, x, w, b, self.save),
            Algorithm::Winograd => {
                let (out, saved) = winograd::forward(&g, x, w, b, self.save);
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
            Kept::Im2col { patches, z } => im2col_backward(&g, &patches, &z, &grad, w.as_deref()),
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
    /// others, by both algorithms.
    #[test]
    fn matches_candles_conv_relu_pool_and_its_gradients() -> candle_core::Result<()> {
        let mut rng = Rng::for_stream(3, Stream::Init);
        // The first two span several chunks (see `Geometry::chunk_images` and
        // `winograd::chunk_images`), the last chunk partial; the others have more tiles.
        let shapes = [
            (40, 1, 14, 16),
            (50, 16, 6, 32),
            (2, 3, 8, 5),
            (7, 16, 10, 8),
        ];
        for algorithm in [Algorithm::Im2col, Algorithm::Winograd] {
            for (n, c, h, o) in shapes {
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
        for algorithm in [Algorithm::Im2col, Algorithm::Winograd] {
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
        let w3 = Tensor::zeros((2, 2, 3, 3), candle_core::DType::F32, &Device::Cpu)?;
        let x8 = Tensor::zeros((1, 1, 8, 8), candle_core::DType::F32, &Device::Cpu)?;
        assert!(conv3x3_relu_pool(&x8, &w3, &b, Gradients::None).is_err());
        Ok(())
    }
}
