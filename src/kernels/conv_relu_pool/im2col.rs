//! The layer by im2col: three matrix products on the transposed patch matrix `Pᵀ`, as
//! the documentation of [`super`] describes, a chunk of images at a time.

use super::geometry::{transpose_into, Geometry, KERNEL, TAPS};
use crate::kernels::gemm::{gemm, Dims, Init, Strided};
use crate::kernels::scratch::Buffer;

/// What the forward pass keeps for the backward pass.
pub(super) struct Saved {
    /// `Pᵀ` of the input, one `K × J` block per chunk of images.
    patches: Buffer,
    /// The conv output before the ReLU, one `O × J` block per chunk of images.
    z: Buffer,
}

/// The layer's pooled output (NCHW), and the patches and conv output if `save`.
pub(super) fn forward(
    g: &Geometry,
    x: &[f32],
    w: &[f32],
    b: &[f32],
    save: bool,
) -> (Vec<f32>, Option<Saved>) {
    let (j, k, o) = (g.positions(), g.patch(), g.outputs);
    let step = chunk_images(g);
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
        patches_t_into(&c, &x[first * g.input_len()..], pt);
        let dims = Dims {
            m: o,
            n: c.positions(),
            k,
        };
        gemm(dims, Strided::row_major(w, k), pt, zc, Init::Column(b));
        relu_pool_into(&c, zc, &mut out[first * g.output_len()..]);
    }
    (out, save.then_some(Saved { patches, z }))
}

/// The gradients of a forward pass that kept `saved`, given the gradient of its pooled
/// output: `(dx if w is given, dw (O, C, 3, 3), db)`.
pub(super) fn backward(
    g: &Geometry,
    saved: &Saved,
    grad: &[f32],
    w: Option<&[f32]>,
) -> (Option<Vec<f32>>, Vec<f32>, Vec<f32>) {
    let Saved { patches, z } = saved;
    let (k, o) = (g.patch(), g.outputs);
    let step = chunk_images(g);
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
        relu_pool_backward_into(&c, zc, &grad[first * g.output_len()..], dz, dzt);
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
            fold_into(&c, dpt, &mut dx[first * g.input_len()..]);
        }
    }
    let mut dw = vec![0.0f32; k * o];
    transpose_into(&dwt, k, o, &mut dw);
    (dx, dw, db)
}

/// Images per chunk: the forward and backward passes go through the batch a chunk at
/// a time so that a chunk's patches and conv outputs (~256 KB) stay in cache between
/// the steps that write and read them.
fn chunk_images(g: &Geometry) -> usize {
    const CHUNK_BYTES: usize = 256 * 1024;
    let per_image = g.rows_per_image() * (g.patch() + g.outputs) * 4;
    (CHUNK_BYTES / per_image).clamp(1, g.images.max(1))
}

/// Transposed im2col of `x` (`g`'s images), `K × J`:
/// `pt[(c, ky, kx), (n, y, x)] = x[n, c, y + ky, x + kx]`, written in order.
fn patches_t_into(g: &Geometry, x: &[f32], pt: &mut [f32]) {
    let (ch, cw, j) = (g.conv_h(), g.conv_w(), g.positions());
    let (w, plane) = (g.width, g.height * g.width);
    for (tap_row, dst) in pt.chunks_exact_mut(j).take(g.patch()).enumerate() {
        let (c, ky, kx) = (tap_row / TAPS, tap_row % TAPS / KERNEL, tap_row % KERNEL);
        let mut runs = dst.chunks_exact_mut(cw);
        for image in x.chunks_exact(g.input_len()).take(g.images) {
            let plane = &image[c * plane..][..plane];
            for y in 0..ch {
                let Some(run) = runs.next() else { return };
                copy_run(run, &plane[(y + ky) * w + kx..][..cw]);
            }
        }
    }
}

/// col2im, the transpose of [`patches_t_into`]: adds `dPᵀ (K × J)` onto the
/// input gradient `dx` (`g`'s images, zeroed by the caller).
fn fold_into(g: &Geometry, dpt: &[f32], dx: &mut [f32]) {
    let (ch, cw, j) = (g.conv_h(), g.conv_w(), g.positions());
    let (w, plane) = (g.width, g.height * g.width);
    let input_len = g.input_len();
    for (tap_row, src) in dpt.chunks_exact(j).take(g.patch()).enumerate() {
        let (c, ky, kx) = (tap_row / TAPS, tap_row % TAPS / KERNEL, tap_row % KERNEL);
        let mut runs = src.chunks_exact(cw);
        for image in dx.chunks_exact_mut(input_len).take(g.images) {
            let plane = &mut image[c * plane..][..plane];
            for y in 0..ch {
                let Some(run) = runs.next() else { return };
                add_run(&mut plane[(y + ky) * w + kx..][..cw], run);
            }
        }
    }
}

/// `Z (O × J)` → the mean of `relu(Z)` over each 2×2 window, into `out` as NCHW.
fn relu_pool_into(g: &Geometry, z: &[f32], out: &mut [f32]) {
    let (cw, rows, j) = (g.conv_w(), g.rows_per_image(), g.positions());
    let (ph, pw) = (g.pooled_h(), g.pooled_w());
    // Not `v.max(0.0)`: on wasm32 that is a call to `fmaxf`.
    let relu = |v: f32| if v > 0.0 { v } else { 0.0 };
    // Two passes per pooled row, each a simple loop that vectorises: the ReLU'd sum
    // of the two conv rows, then the sum of neighbouring pairs.
    let mut rows_sum = vec![0.0f32; cw];
    for (n, image) in out
        .chunks_exact_mut(g.output_len())
        .take(g.images)
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

/// The gradient of [`relu_pool_into`]: the pooled gradient (NCHW) spread
/// over each window where the ReLU passed, as `dZ (O × J)` and its transpose.
fn relu_pool_backward_into(g: &Geometry, z: &[f32], grad: &[f32], dz: &mut [f32], dzt: &mut [f32]) {
    let (cw, rows, j, o) = (g.conv_w(), g.rows_per_image(), g.positions(), g.outputs);
    let (ph, pw) = (g.pooled_h(), g.pooled_w());
    // Per pooled row: its gradient spread to conv width once, then each of the two
    // conv rows is a select over contiguous values (vectorises).
    let mut spread = vec![0.0f32; cw];
    for (n, image) in grad.chunks_exact(g.output_len()).take(g.images).enumerate() {
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
