//! Winograd's F(2×2, 3×3) algorithm for [`super`]: the same layer with
//! 2.25× fewer multiplications than im2col, used where the layer has enough input
//! channels for the products to dominate (the TwinNet's second conv layer).
//!
//! The conv output is cut into 2×2 tiles, which are exactly the 2×2 pooling windows, so
//! a tile is one pooled output pixel. Each tile's 4×4 input patch `d` and each 3×3
//! filter `g` go to a 4×4 transform domain, where the convolution is an element-wise
//! product summed over input channels (Lavin & Gray, 2015):
//!
//! `Y = Aᵀ [Σ_c (G g Gᵀ) ⊙ (Bᵀ d B)] A`,
//!
//! so per transform point `ξ` (16 of them) one matrix product over channels. The layouts
//! are channels-last, so that the transforms work on vectors of channels and every
//! product has the long dimension (`T`, the tiles of a chunk of images) along rows:
//!
//! - forward: `M_ξ (T × O) = V_ξ (T × C) · Uᵀ_ξ (C × O)`, then `Aᵀ · A`, bias, ReLU, mean;
//! - filter gradient: `dUᵀ_ξ (C × O) = V_ξᵀ (C × T) · dM_ξ (T × O)`, back by `Gᵀ · G`;
//! - input gradient: `dV_ξ (T × C) = dM_ξ (T × O) · U_ξ (O × C)`, back by `B · Bᵀ` and
//!   added onto the overlapping input patches.
//!
//! The backward pass is the exact transpose of every forward step. The input arrives and
//! the output leaves in candle's NCHW layout (one transpose per image each way).
//!
//! Its results differ from the direct convolution only in rounding.

use std::array::from_fn;

use super::geometry::{transpose_into, Geometry};
use crate::kernels::gemm::{gemm, Dims, Init, Strided};
use crate::kernels::scratch::Buffer;

/// Points of the 4×4 transform domain.
const XI: usize = 16;
/// Conv outputs per tile (2×2).
const TILE_OUTPUTS: usize = 4;
/// Channels per vector in the transforms, which work on all channels of a tile at once:
/// one 128-bit SIMD vector (simd128, SSE2), which measured faster than 8 or 16 on wasm32.
const LANES: usize = 4;

/// `L` channels' values: the transforms are the same for every channel, so they run on
/// channel vectors (channels-last layouts keep a pixel's channels contiguous).
type Lanes<const L: usize> = [f32; L];

#[inline(always)]
fn add<const L: usize>(mut a: Lanes<L>, b: Lanes<L>) -> Lanes<L> {
    for (a, b) in a.iter_mut().zip(b) {
        *a += b;
    }
    a
}
#[inline(always)]
fn sub<const L: usize>(mut a: Lanes<L>, b: Lanes<L>) -> Lanes<L> {
    for (a, b) in a.iter_mut().zip(b) {
        *a -= b;
    }
    a
}
#[inline(always)]
fn scale<const L: usize>(mut a: Lanes<L>, by: f32) -> Lanes<L> {
    for a in a.iter_mut() {
        *a *= by;
    }
    a
}
#[inline(always)]
fn half<const L: usize>(a: Lanes<L>) -> Lanes<L> {
    scale(a, 0.5)
}
#[inline(always)]
fn neg<const L: usize>(mut a: Lanes<L>) -> Lanes<L> {
    for a in a.iter_mut() {
        *a = -*a;
    }
    a
}

/// `Bᵀ d` on one column of an input patch.
#[inline(always)]
fn input_1d<const L: usize>(d: [Lanes<L>; 4]) -> [Lanes<L>; 4] {
    [
        sub(d[0], d[2]),
        add(d[1], d[2]),
        sub(d[2], d[1]),
        sub(d[1], d[3]),
    ]
}

/// `B v`, the transpose of [`input_1d`].
#[inline(always)]
fn input_grad_1d<const L: usize>(v: [Lanes<L>; 4]) -> [Lanes<L>; 4] {
    [
        v[0],
        add(sub(v[1], v[2]), v[3]),
        sub(add(v[1], v[2]), v[0]),
        neg(v[3]),
    ]
}

/// `G g` on one column of a filter.
#[inline(always)]
fn filter_1d<const L: usize>(g: [Lanes<L>; 3]) -> [Lanes<L>; 4] {
    let outer = add(g[0], g[2]);
    [g[0], half(add(outer, g[1])), half(sub(outer, g[1])), g[2]]
}

/// `Gᵀ u`, the transpose of [`filter_1d`].
#[inline(always)]
fn filter_grad_1d<const L: usize>(u: [Lanes<L>; 4]) -> [Lanes<L>; 3] {
    let middle = half(add(u[1], u[2]));
    [add(u[0], middle), half(sub(u[1], u[2])), add(middle, u[3])]
}

/// `Aᵀ m` on one column of the transform domain.
#[inline(always)]
fn output_1d<const L: usize>(m: [Lanes<L>; 4]) -> [Lanes<L>; 2] {
    [add(add(m[0], m[1]), m[2]), sub(sub(m[1], m[2]), m[3])]
}

/// `A y`, the transpose of [`output_1d`].
#[inline(always)]
fn output_grad_1d<const L: usize>(y: [Lanes<L>; 2]) -> [Lanes<L>; 4] {
    [y[0], add(y[0], y[1]), sub(y[0], y[1]), neg(y[1])]
}

/// `T x Tᵀ` for the 1-D transform `f` = `T`: `f` on every column, then on every row.
#[inline(always)]
fn both_sides<T: Copy, const I: usize, const O: usize>(
    x: [[T; I]; I],
    f: impl Fn([T; I]) -> [T; O],
) -> [[T; O]; O] {
    // Plain loops over arrays: nested `from_fn`s of arrays spill to the stack.
    let mut columns = [[x[0][0]; O]; I];
    for (j, column) in columns.iter_mut().enumerate() {
        let mut input = x[0];
        for (i, v) in input.iter_mut().enumerate() {
            *v = x[i][j];
        }
        *column = f(input);
    }
    let mut out = [[x[0][0]; O]; O];
    for (r, row) in out.iter_mut().enumerate() {
        let mut input = x[0];
        for (j, v) in input.iter_mut().enumerate() {
            *v = columns[j][r];
        }
        *row = f(input);
    }
    out
}

#[inline(always)]
fn load<const L: usize>(s: &[f32], at: usize) -> Lanes<L> {
    s[at..at + L].try_into().expect("L values")
}

/// The 4×4 channel vectors at `at(i, j)` (a plain loop: nested `from_fn`s of arrays are
/// not inlined on wasm32).
#[inline(always)]
fn load_4x4<const L: usize>(s: &[f32], at: impl Fn(usize, usize) -> usize) -> [[Lanes<L>; 4]; 4] {
    let mut out = [[[0.0f32; L]; 4]; 4];
    for (i, row) in out.iter_mut().enumerate() {
        for (j, v) in row.iter_mut().enumerate() {
            *v = load::<L>(s, at(i, j));
        }
    }
    out
}

#[inline(always)]
fn store<const L: usize>(s: &mut [f32], at: usize, v: Lanes<L>) {
    s[at..at + L].copy_from_slice(&v);
}

/// Runs `f::<LANES>` on each block of `LANES` channels when they divide `channels`, else
/// `f::<1>` on each channel.
macro_rules! by_lanes {
    ($channels:expr, $f:ident($($arg:expr),*)) => {
        if $channels % LANES == 0 {
            for first in (0..$channels).step_by(LANES) {
                $f::<LANES>($($arg,)* first);
            }
        } else {
            for first in 0..$channels {
                $f::<1>($($arg,)* first);
            }
        }
    };
}

/// Tiles (pooled pixels) of one image.
fn tiles(g: &Geometry) -> usize {
    g.pooled_h() * g.pooled_w()
}

/// Floats per image of the transformed input `V`, the products `M` and the conv output `Y`.
fn v_len(g: &Geometry) -> usize {
    XI * g.channels * tiles(g)
}
fn m_len(g: &Geometry) -> usize {
    XI * g.outputs * tiles(g)
}
fn y_len(g: &Geometry) -> usize {
    TILE_OUTPUTS * g.outputs * tiles(g)
}

/// Images per chunk: a chunk's working set (its input channels-last, `V`, `M`, `Y`)
/// stays in cache between the steps that write and read it; a multiple of 4 images keeps
/// the products' row count a multiple of the register tile for 2×2-tile images.
fn chunk_images(g: &Geometry) -> usize {
    const CHUNK_BYTES: usize = 512 * 1024;
    let per_image = (g.input_len() + v_len(g) + m_len(g) + y_len(g) + g.output_len()) * 4;
    let images = (CHUNK_BYTES / per_image).max(1);
    let images = if images >= 4 { images / 4 * 4 } else { images };
    images.min(g.images.max(1))
}

/// The filters in the transform domain, `(G w[o][c] Gᵀ)[ξ]`, as `U[ξ][o][c]` or, if
/// `transposed`, as `Uᵀ[ξ][c][o]`.
fn filters(w: &[f32], outputs: usize, channels: usize, transposed: bool) -> Vec<f32> {
    let mut u = vec![0.0f32; XI * outputs * channels];
    for (oc_c, g) in w.chunks_exact(9).enumerate() {
        let (oc, c) = (oc_c / channels, oc_c % channels);
        let t = both_sides(from_fn(|ky| from_fn(|kx| [g[ky * 3 + kx]])), filter_1d::<1>);
        for (xi, [value]) in t.iter().flatten().enumerate() {
            let at = if transposed {
                (xi * channels + c) * outputs + oc
            } else {
                (xi * outputs + oc) * channels + c
            };
            u[at] = *value;
        }
    }
    u
}

/// `dW[o][c] = Gᵀ dU[o][c] G` from `dUᵀ[ξ][c][o]`, as `(O, C, 3, 3)`.
fn filter_grads(dut: &[f32], outputs: usize, channels: usize) -> Vec<f32> {
    let mut dw = vec![0.0f32; outputs * channels * 9];
    for (oc_c, out) in dw.chunks_exact_mut(9).enumerate() {
        let (oc, c) = (oc_c / channels, oc_c % channels);
        let du = from_fn(|i| from_fn(|j| [dut[((i * 4 + j) * channels + c) * outputs + oc]]));
        let t = both_sides(du, filter_grad_1d::<1>);
        for (o, [value]) in out.iter_mut().zip(t.iter().flatten()) {
            *o = *value;
        }
    }
    dw
}

/// Per image, `(C, H·W)` → `(H·W, C)`, or back with the sizes swapped.
fn transpose_images(src: &[f32], rows: usize, cols: usize, images: usize, dst: &mut [f32]) {
    let len = rows * cols;
    for (s, d) in src
        .chunks_exact(len)
        .zip(dst.chunks_exact_mut(len))
        .take(images)
    {
        transpose_into(s, rows, cols, d);
    }
}

/// Where a tile's input patch starts in its channels-last image, and its row stride.
fn patch_origin(g: &Geometry, tile: usize) -> (usize, usize) {
    let (y0, x0) = (2 * (tile / g.pooled_w()), 2 * (tile % g.pooled_w()));
    ((y0 * g.width + x0) * g.channels, g.width * g.channels)
}

/// `V[t][ξ][c] = (Bᵀ d_t B)[ξ]` for channels `c0..c0+L` of every tile `t` of the chunk's
/// channels-last images `xt`.
fn transform_input<const L: usize>(g: &Geometry, xt: &[f32], v: &mut [f32], c0: usize) {
    let (c, tiles) = (g.channels, tiles(g));
    for (n, image) in xt.chunks_exact(g.input_len()).take(g.images).enumerate() {
        for tile in 0..tiles {
            let (origin, row) = patch_origin(g, tile);
            let d = load_4x4::<L>(image, |i, j| origin + i * row + j * c + c0);
            let t = both_sides(d, input_1d::<L>);
            let at = (n * tiles + tile) * XI * c + c0;
            for (xi, value) in t.iter().flatten().enumerate() {
                store(v, at + xi * c, *value);
            }
        }
    }
}

/// `dxt += B dV_t Bᵀ` on every tile's input patch (channels-last; the patches of
/// neighbouring tiles overlap), from `dV[ξ][t][c]`, channels `c0..c0+L`.
fn input_backward<const L: usize>(g: &Geometry, dv: &[f32], dxt: &mut [f32], c0: usize) {
    let (c, tiles) = (g.channels, tiles(g));
    let t_all = g.images * tiles;
    for (n, image) in dxt
        .chunks_exact_mut(g.input_len())
        .take(g.images)
        .enumerate()
    {
        for tile in 0..tiles {
            let t = n * tiles + tile;
            let dvv = load_4x4::<L>(dv, |i, j| ((i * 4 + j) * t_all + t) * c + c0);
            let dd = both_sides(dvv, input_grad_1d::<L>);
            let (origin, row) = patch_origin(g, tile);
            for (i, values) in dd.iter().enumerate() {
                for (j, value) in values.iter().enumerate() {
                    let at = origin + i * row + j * c + c0;
                    store(image, at, add(load::<L>(image, at), *value));
                }
            }
        }
    }
}

/// Not `v.max(0.0)`: on wasm32 that is a call to `fmaxf`.
#[inline(always)]
fn relu<const L: usize>(mut v: Lanes<L>) -> Lanes<L> {
    for v in v.iter_mut() {
        *v = if *v > 0.0 { *v } else { 0.0 };
    }
    v
}

/// For output channels `o0..o0+L`: `Y_t = Aᵀ M_t A + b` from `M[ξ][t][o]`, kept as
/// `Y[t][q][o]` (pre-ReLU, `q` the tile's 4 outputs), and the mean of its ReLU, the
/// pooled output channels-last `[t][o]`.
fn transform_output<const L: usize>(
    g: &Geometry,
    m: &[f32],
    b: &[f32],
    y: &mut [f32],
    pooled: &mut [f32],
    o0: usize,
) {
    let o = g.outputs;
    let t_all = g.images * tiles(g);
    let bias = load::<L>(b, o0);
    for t in 0..t_all {
        let mm = load_4x4::<L>(m, |i, j| ((i * 4 + j) * t_all + t) * o + o0);
        let r = both_sides(mm, output_1d::<L>);
        let values = [r[0][0], r[0][1], r[1][0], r[1][1]].map(|v| add(v, bias));
        for (q, value) in values.iter().enumerate() {
            store(y, (t * TILE_OUTPUTS + q) * o + o0, *value);
        }
        let sum = add(
            add(relu(values[0]), relu(values[1])),
            add(relu(values[2]), relu(values[3])),
        );
        store::<L>(pooled, t * o + o0, scale(sum, 0.25));
    }
}

/// The gradient of [`transform_output`] with respect to `M`, as `dM[ξ][t][o]`, and the
/// bias gradient added to `db`, from the pooled output's gradient channels-last `[t][o]`;
/// output channels `o0..o0+L`.
fn output_backward<const L: usize>(
    g: &Geometry,
    y: &[f32],
    grad: &[f32],
    dm: &mut [f32],
    db: &mut [f32],
    o0: usize,
) {
    let o = g.outputs;
    let t_all = g.images * tiles(g);
    let mut bias_grad = [0.0f32; L];
    for t in 0..t_all {
        let pooled = scale(load::<L>(grad, t * o + o0), 0.25);
        let mut dy = [[0.0f32; L]; 4];
        for (q, dy) in dy.iter_mut().enumerate() {
            let y = load::<L>(y, (t * TILE_OUTPUTS + q) * o + o0);
            for ((d, &y), &p) in dy.iter_mut().zip(&y).zip(&pooled) {
                *d = if y > 0.0 { p } else { 0.0 };
            }
        }
        bias_grad = add(bias_grad, add(add(dy[0], dy[1]), add(dy[2], dy[3])));
        let dmm = both_sides([[dy[0], dy[1]], [dy[2], dy[3]]], output_grad_1d::<L>);
        for (xi, value) in dmm.iter().flatten().enumerate() {
            store(dm, (xi * t_all + t) * o + o0, *value);
        }
    }
    store(db, o0, add(load::<L>(db, o0), bias_grad));
}

/// What the forward pass keeps for the backward pass: per chunk of images, its `V` and
/// its pre-ReLU conv output `Y`, one block after the other.
pub(super) struct Saved {
    v: Buffer,
    y: Buffer,
}

/// The layer's pooled output (NCHW), and what the backward pass needs if `save`.
pub(super) fn forward(
    g: &Geometry,
    x: &[f32],
    w: &[f32],
    b: &[f32],
    save: bool,
) -> (Vec<f32>, Option<Saved>) {
    let (o, c, tiles) = (g.outputs, g.channels, tiles(g));
    let ut = filters(w, o, c, true);
    let step = chunk_images(g);
    // Training keeps every chunk's V and Y; inference reuses one chunk's (in cache).
    let kept = if save { g.images } else { step };
    let mut v = Buffer::scratch(kept * v_len(g));
    let mut y = Buffer::scratch(kept * y_len(g));
    let mut xt = Buffer::scratch(step * g.input_len());
    let mut m = Buffer::scratch(step * m_len(g));
    let mut pooled = Buffer::scratch(step * g.output_len());
    let mut out = vec![0.0f32; g.images * g.output_len()];
    for first in (0..g.images).step_by(step) {
        let chunk = g.with_images(step.min(g.images - first));
        let at = if save { first } else { 0 };
        let t = chunk.images * tiles;
        let plane = g.height * g.width;
        let xt = &mut xt[..chunk.images * g.input_len()];
        transpose_images(&x[first * g.input_len()..], c, plane, chunk.images, xt);
        let vc = &mut v[at * v_len(g)..][..chunk.images * v_len(g)];
        by_lanes!(c, transform_input(&chunk, xt, vc));
        let mc = &mut m[..chunk.images * m_len(g)];
        for (xi, (ut, m)) in ut
            .chunks_exact(c * o)
            .zip(mc.chunks_exact_mut(t * o))
            .enumerate()
        {
            // M_ξ (T × O) = V_ξ (T × C, rows 16·C apart) · Uᵀ_ξ (C × O).
            let v_xi = Strided {
                data: &vc[xi * c..],
                row: XI * c,
                col: 1,
            };
            gemm(Dims { m: t, n: o, k: c }, v_xi, ut, m, Init::Zero);
        }
        let yc = &mut y[at * y_len(g)..][..chunk.images * y_len(g)];
        let pooled = &mut pooled[..chunk.images * g.output_len()];
        by_lanes!(o, transform_output(&chunk, mc, b, yc, pooled));
        let out = &mut out[first * g.output_len()..];
        transpose_images(pooled, tiles, o, chunk.images, out);
    }
    (out, save.then_some(Saved { v, y }))
}

/// The gradients of a forward pass that kept `saved`, given the gradient of its pooled
/// output: `(dx if w is given, dw (O, C, 3, 3), db)`.
pub(super) fn backward(
    g: &Geometry,
    saved: Saved,
    grad: &[f32],
    w: Option<&[f32]>,
) -> (Option<Vec<f32>>, Vec<f32>, Vec<f32>) {
    let (o, c, tiles) = (g.outputs, g.channels, tiles(g));
    let plane = g.height * g.width;
    let Saved { v, y } = saved;
    let u = w.map(|w| filters(w, o, c, false));
    let step = chunk_images(g);
    let mut grad_t = Buffer::scratch(step * g.output_len());
    let mut dm = Buffer::scratch(step * m_len(g));
    let mut dv = Buffer::scratch(if u.is_some() { step * v_len(g) } else { 0 });
    let mut dxt = Buffer::scratch(if u.is_some() { step * g.input_len() } else { 0 });
    let mut dx = u.as_ref().map(|_| vec![0.0f32; g.images * g.input_len()]);
    let mut dut = vec![0.0f32; XI * c * o];
    let mut db = vec![0.0f32; o];
    for first in (0..g.images).step_by(step) {
        let chunk = g.with_images(step.min(g.images - first));
        let t = chunk.images * tiles;
        let vc = &v[first * v_len(g)..][..chunk.images * v_len(g)];
        let yc = &y[first * y_len(g)..][..chunk.images * y_len(g)];
        let grad_t = &mut grad_t[..chunk.images * g.output_len()];
        let grad = &grad[first * g.output_len()..];
        transpose_images(grad, o, tiles, chunk.images, grad_t);
        let dm = &mut dm[..chunk.images * m_len(g)];
        by_lanes!(o, output_backward(&chunk, yc, grad_t, dm, &mut db));
        for (xi, (dm, dut)) in dm
            .chunks_exact(t * o)
            .zip(dut.chunks_exact_mut(c * o))
            .enumerate()
        {
            // dUᵀ_ξ (C × O) += V_ξᵀ (C × T) · dM_ξ (T × O).
            let v_xi_t = Strided {
                data: &vc[xi * c..],
                row: 1,
                col: XI * c,
            };
            gemm(Dims { m: c, n: o, k: t }, v_xi_t, dm, dut, Init::Add);
        }
        if let (Some(u), Some(dx)) = (&u, &mut dx) {
            let dv = &mut dv[..chunk.images * v_len(g)];
            for ((u, dm), dv) in u
                .chunks_exact(o * c)
                .zip(dm.chunks_exact(t * o))
                .zip(dv.chunks_exact_mut(t * c))
            {
                // dV_ξ (T × C) = dM_ξ (T × O) · U_ξ (O × C).
                let dims = Dims { m: t, n: c, k: o };
                gemm(dims, Strided::row_major(dm, o), u, dv, Init::Zero);
            }
            let dxt = &mut dxt[..chunk.images * g.input_len()];
            dxt.fill(0.0);
            by_lanes!(c, input_backward(&chunk, dv, dxt));
            let dx = &mut dx[first * g.input_len()..];
            transpose_images(dxt, plane, c, chunk.images, dx);
        }
    }
    (dx, filter_grads(&dut, o, c), db)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The 1-D transforms compute a valid 3-tap correlation of 4 inputs, and each
    /// backward transform is its forward transform's transpose.
    #[test]
    fn the_transforms_correlate_and_transpose() {
        let d = [0.3f32, -1.2, 2.5, 0.7];
        let g = [1.5f32, -0.5, 0.25];
        // One lane each: the transforms as scalar functions.
        let lift = |x: &[f32]| -> Vec<[f32; 1]> { x.iter().map(|&v| [v]).collect() };
        let drop = |x: &[[f32; 1]]| -> Vec<f32> { x.iter().map(|[v]| *v).collect() };
        let input_1d = |x: [f32; 4]| drop(&input_1d::<1>(lift(&x).try_into().unwrap()));
        let input_grad_1d = |x: [f32; 4]| drop(&input_grad_1d::<1>(lift(&x).try_into().unwrap()));
        let filter_1d = |x: [f32; 3]| drop(&filter_1d::<1>(lift(&x).try_into().unwrap()));
        let filter_grad_1d = |x: [f32; 4]| drop(&filter_grad_1d::<1>(lift(&x).try_into().unwrap()));
        let output_1d = |x: [f32; 4]| drop(&output_1d::<1>(lift(&x).try_into().unwrap()));
        let output_grad_1d = |x: [f32; 2]| drop(&output_grad_1d::<1>(lift(&x).try_into().unwrap()));
        let (u, v) = (filter_1d(g), input_1d(d));
        let y = output_1d(from_fn(|i| u[i] * v[i]));
        let want = [
            d[0] * g[0] + d[1] * g[1] + d[2] * g[2],
            d[1] * g[0] + d[2] * g[1] + d[3] * g[2],
        ];
        for (a, b) in y.iter().zip(want) {
            assert!((a - b).abs() < 1e-6, "{y:?} vs {want:?}");
        }
        // <T a, b> == <a, Tᵀ b> for each pair.
        let dot = |a: &[f32], b: &[f32]| a.iter().zip(b).map(|(x, y)| x * y).sum::<f32>();
        let b4 = [0.9f32, -0.4, 1.1, 0.2];
        let b2 = [0.6f32, -1.3];
        assert!((dot(&input_1d(d), &b4) - dot(&d, &input_grad_1d(b4))).abs() < 1e-5);
        assert!((dot(&filter_1d(g), &b4) - dot(&g, &filter_grad_1d(b4))).abs() < 1e-5);
        assert!((dot(&output_1d(b4), &b2) - dot(&b4, &output_grad_1d(b2))).abs() < 1e-5);
    }
}
