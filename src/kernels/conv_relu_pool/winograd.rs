//! Winograd's F(M×M, 3×3) algorithms for [`super`]: the same layer with fewer
//! multiplications than im2col, used where the layer has enough input channels for the
//! products to dominate (the TwinNet's second conv layer).
//!
//! The conv output is cut into `M × M` tiles made of whole 2×2 pooling windows:
//! F(2×2, 3×3) ([`F2x2`]) for any even output, a tile one pooled pixel; F(4×4, 3×3)
//! ([`F4x4`]) where the sides are multiples of 4, as the second layer's 4×4 output is one
//! tile. Each tile's `A × A` input patch `d` (`A = M + 2`) and each 3×3 filter `g` go to
//! an `A × A` transform domain, where the convolution is an element-wise product summed
//! over input channels (Lavin & Gray, 2015):
//!
//! `Y = Aᵀ [Σ_c (G g Gᵀ) ⊙ (Bᵀ d B)] A`,
//!
//! so per transform point `ξ` (16 or 36 of them) one matrix product over channels: per
//! tile and channel pair 16 multiplications instead of 36 (F(2×2)), or 36 instead of 144
//! (F(4×4)). The layouts are channels-last, so that the transforms work on vectors of
//! channels and every product has the long dimension (`T`, the tiles of a chunk of
//! images) along rows:
//!
//! - forward: `M_ξ (T × O) = V_ξ (T × C) · Uᵀ_ξ (C × O)`, then `Aᵀ · A`, bias, ReLU, mean;
//! - filter gradient: `dUᵀ_ξ (C × O) = V_ξᵀ (C × T) · dM_ξ (T × O)`, back by `Gᵀ · G`;
//! - input gradient: `dV_ξ (T × C) = dM_ξ (T × O) · U_ξ (O × C)`, back by `B · Bᵀ` and
//!   added onto the overlapping input patches.
//!
//! The backward pass is the exact transpose of every forward step. The input arrives and
//! the output leaves in candle's NCHW layout (one transpose per image each way).
//!
//! Its results differ from the direct convolution only in rounding (F(4×4)'s transforms,
//! with weights up to 8 and down to 1/24, round a little more; both stay within the
//! tests' 1e-5 of candle's convolution).

use std::array::from_fn;

use super::geometry::{transpose_into, Geometry};
use crate::kernels::gemm::{gemm, Dims, Init, Strided};
use crate::kernels::scratch::Buffer;

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

/// One of Winograd's algorithms F(M×M, 3×3): conv output tiles of `M × M` from input
/// patches of `A × A` (`A = M + 2`, also the transform domain's side), given by its 1-D
/// transforms (each applied to columns, then rows: [`both_sides`]) and their transposes.
pub(super) trait Tile<const A: usize, const M: usize> {
    /// `Bᵀ d` on one column of an input patch.
    fn input<const L: usize>(d: [Lanes<L>; A]) -> [Lanes<L>; A];
    /// `B v`, the transpose of [`Tile::input`].
    fn input_grad<const L: usize>(v: [Lanes<L>; A]) -> [Lanes<L>; A];
    /// `G g` on one column of a filter.
    fn filter<const L: usize>(g: [Lanes<L>; 3]) -> [Lanes<L>; A];
    /// `Gᵀ u`, the transpose of [`Tile::filter`].
    fn filter_grad<const L: usize>(u: [Lanes<L>; A]) -> [Lanes<L>; 3];
    /// `Aᵀ m` on one column of the transform domain.
    fn output<const L: usize>(m: [Lanes<L>; A]) -> [Lanes<L>; M];
    /// `A y`, the transpose of [`Tile::output`].
    fn output_grad<const L: usize>(y: [Lanes<L>; M]) -> [Lanes<L>; A];
}

/// F(2×2, 3×3): a tile is one 2×2 pooling window; 16 products per tile and channel pair
/// (36 directly), transforms of additions and halvings only.
pub(super) struct F2x2;

impl Tile<4, 2> for F2x2 {
    #[inline(always)]
    fn input<const L: usize>(d: [Lanes<L>; 4]) -> [Lanes<L>; 4] {
        [
            sub(d[0], d[2]),
            add(d[1], d[2]),
            sub(d[2], d[1]),
            sub(d[1], d[3]),
        ]
    }

    #[inline(always)]
    fn input_grad<const L: usize>(v: [Lanes<L>; 4]) -> [Lanes<L>; 4] {
        [
            v[0],
            add(sub(v[1], v[2]), v[3]),
            sub(add(v[1], v[2]), v[0]),
            neg(v[3]),
        ]
    }

    #[inline(always)]
    fn filter<const L: usize>(g: [Lanes<L>; 3]) -> [Lanes<L>; 4] {
        let outer = add(g[0], g[2]);
        [g[0], half(add(outer, g[1])), half(sub(outer, g[1])), g[2]]
    }

    #[inline(always)]
    fn filter_grad<const L: usize>(u: [Lanes<L>; 4]) -> [Lanes<L>; 3] {
        let middle = half(add(u[1], u[2]));
        [add(u[0], middle), half(sub(u[1], u[2])), add(middle, u[3])]
    }

    #[inline(always)]
    fn output<const L: usize>(m: [Lanes<L>; 4]) -> [Lanes<L>; 2] {
        [add(add(m[0], m[1]), m[2]), sub(sub(m[1], m[2]), m[3])]
    }

    #[inline(always)]
    fn output_grad<const L: usize>(y: [Lanes<L>; 2]) -> [Lanes<L>; 4] {
        [y[0], add(y[0], y[1]), sub(y[0], y[1]), neg(y[1])]
    }
}

/// F(4×4, 3×3) on the points 0, ±1, ±2, ∞ (Lavin & Gray's matrices): a tile is 2×2
/// pooling windows; 36 products per tile and channel pair (144 directly, 64 by four
/// F(2×2, 3×3) tiles), transforms with small integer and fractional weights.
pub(super) struct F4x4;

impl Tile<6, 4> for F4x4 {
    #[inline(always)]
    fn input<const L: usize>(d: [Lanes<L>; 6]) -> [Lanes<L>; 6] {
        let (d13, d31) = (add(d[1], d[2]), sub(d[3], d[1]));
        let (d43, d42) = (add(d[4], d[3]), sub(d[4], d[2]));
        [
            add(sub(scale(d[0], 4.0), scale(d[2], 5.0)), d[4]),
            sub(d43, scale(d13, 4.0)),
            add(sub(d[4], d[3]), scale(sub(d[1], d[2]), 4.0)),
            add(d42, scale(d31, 2.0)),
            sub(d42, scale(d31, 2.0)),
            add(sub(scale(d[1], 4.0), scale(d[3], 5.0)), d[5]),
        ]
    }

    #[inline(always)]
    fn input_grad<const L: usize>(v: [Lanes<L>; 6]) -> [Lanes<L>; 6] {
        let (s12, d12) = (add(v[1], v[2]), sub(v[2], v[1]));
        let (s34, d34) = (add(v[3], v[4]), sub(v[4], v[3]));
        [
            scale(v[0], 4.0),
            add(scale(add(d12, v[5]), 4.0), scale(d34, 2.0)),
            sub(neg(add(scale(v[0], 5.0), scale(s12, 4.0))), s34),
            sub(sub(neg(d12), scale(d34, 2.0)), scale(v[5], 5.0)),
            add(add(v[0], s12), s34),
            v[5],
        ]
    }

    #[inline(always)]
    fn filter<const L: usize>(g: [Lanes<L>; 3]) -> [Lanes<L>; 6] {
        let outer = add(g[0], g[2]);
        let (g0, g1, g2) = (
            scale(g[0], 1.0 / 24.0),
            scale(g[1], 1.0 / 12.0),
            scale(g[2], 1.0 / 6.0),
        );
        [
            scale(g[0], 0.25),
            scale(add(outer, g[1]), -1.0 / 6.0),
            scale(sub(outer, g[1]), -1.0 / 6.0),
            add(add(g0, g1), g2),
            add(sub(g0, g1), g2),
            g[2],
        ]
    }

    #[inline(always)]
    fn filter_grad<const L: usize>(u: [Lanes<L>; 6]) -> [Lanes<L>; 3] {
        let (s12, d21) = (add(u[1], u[2]), sub(u[2], u[1]));
        let (s34, d34) = (add(u[3], u[4]), sub(u[3], u[4]));
        [
            add(
                sub(scale(u[0], 0.25), scale(s12, 1.0 / 6.0)),
                scale(s34, 1.0 / 24.0),
            ),
            add(scale(d21, 1.0 / 6.0), scale(d34, 1.0 / 12.0)),
            add(scale(sub(s34, s12), 1.0 / 6.0), u[5]),
        ]
    }

    #[inline(always)]
    fn output<const L: usize>(m: [Lanes<L>; 6]) -> [Lanes<L>; 4] {
        let (s12, d12) = (add(m[1], m[2]), sub(m[1], m[2]));
        let (s34, d34) = (add(m[3], m[4]), sub(m[3], m[4]));
        [
            add(add(m[0], s12), s34),
            add(d12, scale(d34, 2.0)),
            add(s12, scale(s34, 4.0)),
            add(add(d12, scale(d34, 8.0)), m[5]),
        ]
    }

    #[inline(always)]
    fn output_grad<const L: usize>(y: [Lanes<L>; 4]) -> [Lanes<L>; 6] {
        let (s02, s13) = (add(y[0], y[2]), add(y[1], y[3]));
        let (e02, e13) = (
            add(y[0], scale(y[2], 4.0)),
            add(scale(y[1], 2.0), scale(y[3], 8.0)),
        );
        [
            y[0],
            add(s02, s13),
            sub(s02, s13),
            add(e02, e13),
            sub(e02, e13),
            y[3],
        ]
    }
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

/// The `N × N` channel vectors at `at(i, j)` (a plain loop: nested `from_fn`s of arrays
/// are not inlined on wasm32).
#[inline(always)]
fn load_square<const N: usize, const L: usize>(
    s: &[f32],
    at: impl Fn(usize, usize) -> usize,
) -> [[Lanes<L>; N]; N] {
    let mut out = [[[0.0f32; L]; N]; N];
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

/// Runs `f::<LANES, …>` on each block of `LANES` channels when they divide `channels`,
/// else `f::<1, …>` on each channel.
macro_rules! by_lanes {
    ($channels:expr, $f:ident::<$($generic:tt),*>($($arg:expr),*)) => {
        if $channels % LANES == 0 {
            for first in (0..$channels).step_by(LANES) {
                $f::<LANES, $($generic),*>($($arg,)* first);
            }
        } else {
            for first in 0..$channels {
                $f::<1, $($generic),*>($($arg,)* first);
            }
        }
    };
}

/// Which of Winograd's algorithms a layer runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Tiling {
    /// [`F2x2`]: any conv output of even sides.
    F2x2,
    /// [`F4x4`]: conv outputs whose sides are multiples of 4 (the TwinNet's second layer,
    /// 4×4: one tile per image).
    F4x4,
}

impl Tiling {
    /// Whether the layer's conv output cuts into this tiling's tiles.
    pub(super) fn fits(self, g: &Geometry) -> bool {
        let side = match self {
            Tiling::F2x2 => 2,
            Tiling::F4x4 => 4,
        };
        g.conv_h().is_multiple_of(side) && g.conv_w().is_multiple_of(side)
    }
}

/// The sizes of one layer under F(M×M, 3×3), `A = M + 2`.
#[derive(Debug, Clone, Copy)]
struct Sizes<const A: usize, const M: usize> {
    g: Geometry,
}

impl<const A: usize, const M: usize> Sizes<A, M> {
    /// Points of the transform domain.
    const XI: usize = A * A;
    /// Conv outputs per tile.
    const TILE_OUTPUTS: usize = M * M;
    /// Pooled pixels per tile side.
    const POOLED: usize = M / 2;

    fn tiles_w(&self) -> usize {
        self.g.conv_w() / M
    }
    /// Tiles of one image.
    fn tiles(&self) -> usize {
        (self.g.conv_h() / M) * self.tiles_w()
    }
    /// Floats per image of the transformed input `V`, the products `M` and the conv output `Y`.
    fn v_len(&self) -> usize {
        Self::XI * self.g.channels * self.tiles()
    }
    fn m_len(&self) -> usize {
        Self::XI * self.g.outputs * self.tiles()
    }
    fn y_len(&self) -> usize {
        Self::TILE_OUTPUTS * self.g.outputs * self.tiles()
    }
    /// Pooled pixels of one image.
    fn pooled(&self) -> usize {
        self.g.pooled_h() * self.g.pooled_w()
    }
    /// The same layer on a chunk of the images.
    fn with_images(&self, images: usize) -> Self {
        Self {
            g: self.g.with_images(images),
        }
    }

    /// Images per chunk: a chunk's working set (its input channels-last, `V`, `M`, `Y`)
    /// stays in cache between the steps that write and read it; a multiple of 4 images
    /// keeps the products' row count a multiple of the register tile.
    fn chunk_images(&self) -> usize {
        const CHUNK_BYTES: usize = 512 * 1024;
        let g = &self.g;
        let per_image =
            (g.input_len() + self.v_len() + self.m_len() + self.y_len() + g.output_len()) * 4;
        let images = (CHUNK_BYTES / per_image).max(1);
        let images = if images >= 4 { images / 4 * 4 } else { images };
        images.min(g.images.max(1))
    }

    /// Where a tile's input patch starts in its channels-last image, and its row stride.
    fn patch_origin(&self, tile: usize) -> (usize, usize) {
        let g = &self.g;
        let (y0, x0) = (M * (tile / self.tiles_w()), M * (tile % self.tiles_w()));
        ((y0 * g.width + x0) * g.channels, g.width * g.channels)
    }

    /// The pooled pixel (within its image) of a tile's pooling window `(py, px)`.
    fn pooled_pixel(&self, tile: usize, py: usize, px: usize) -> usize {
        let (ty, tx) = (tile / self.tiles_w(), tile % self.tiles_w());
        (ty * Self::POOLED + py) * self.g.pooled_w() + tx * Self::POOLED + px
    }
}

/// The filters in the transform domain, `(G w[o][c] Gᵀ)[ξ]`, as `U[ξ][o][c]` or, if
/// `transposed`, as `Uᵀ[ξ][c][o]`.
fn filters<const A: usize, const M: usize, T: Tile<A, M>>(
    w: &[f32],
    outputs: usize,
    channels: usize,
    transposed: bool,
) -> Vec<f32> {
    let mut u = vec![0.0f32; A * A * outputs * channels];
    for (oc_c, g) in w.chunks_exact(9).enumerate() {
        let (oc, c) = (oc_c / channels, oc_c % channels);
        let t = both_sides(from_fn(|ky| from_fn(|kx| [g[ky * 3 + kx]])), T::filter::<1>);
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
fn filter_grads<const A: usize, const M: usize, T: Tile<A, M>>(
    dut: &[f32],
    outputs: usize,
    channels: usize,
) -> Vec<f32> {
    let mut dw = vec![0.0f32; outputs * channels * 9];
    for (oc_c, out) in dw.chunks_exact_mut(9).enumerate() {
        let (oc, c) = (oc_c / channels, oc_c % channels);
        let du = from_fn(|i| from_fn(|j| [dut[((i * A + j) * channels + c) * outputs + oc]]));
        let t = both_sides(du, T::filter_grad::<1>);
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

/// `V[t][ξ][c] = (Bᵀ d_t B)[ξ]` for channels `c0..c0+L` of every tile `t` of the chunk's
/// channels-last images `xt`.
fn transform_input<const L: usize, const A: usize, const M: usize, T: Tile<A, M>>(
    s: &Sizes<A, M>,
    xt: &[f32],
    v: &mut [f32],
    c0: usize,
) {
    let (g, tiles) = (&s.g, s.tiles());
    let c = g.channels;
    for (n, image) in xt.chunks_exact(g.input_len()).take(g.images).enumerate() {
        for tile in 0..tiles {
            let (origin, row) = s.patch_origin(tile);
            let d = load_square::<A, L>(image, |i, j| origin + i * row + j * c + c0);
            let t = both_sides(d, T::input::<L>);
            let at = (n * tiles + tile) * A * A * c + c0;
            for (xi, value) in t.iter().flatten().enumerate() {
                store(v, at + xi * c, *value);
            }
        }
    }
}

/// `dxt += B dV_t Bᵀ` on every tile's input patch (channels-last; the patches of
/// neighbouring tiles overlap), from `dV[ξ][t][c]`, channels `c0..c0+L`.
fn input_backward<const L: usize, const A: usize, const M: usize, T: Tile<A, M>>(
    s: &Sizes<A, M>,
    dv: &[f32],
    dxt: &mut [f32],
    c0: usize,
) {
    let (g, tiles) = (&s.g, s.tiles());
    let c = g.channels;
    let t_all = g.images * tiles;
    for (n, image) in dxt
        .chunks_exact_mut(g.input_len())
        .take(g.images)
        .enumerate()
    {
        for tile in 0..tiles {
            let t = n * tiles + tile;
            let dvv = load_square::<A, L>(dv, |i, j| ((i * A + j) * t_all + t) * c + c0);
            let dd = both_sides(dvv, T::input_grad::<L>);
            let (origin, row) = s.patch_origin(tile);
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
/// `Y[t][q][o]` (pre-ReLU, `q` the tile's outputs row by row), and the mean of its ReLU
/// over each 2×2 window, the pooled output channels-last `[image][pooled pixel][o]`.
fn transform_output<const L: usize, const A: usize, const M: usize, T: Tile<A, M>>(
    s: &Sizes<A, M>,
    m: &[f32],
    b: &[f32],
    y: &mut [f32],
    pooled: &mut [f32],
    o0: usize,
) {
    let (o, tiles) = (s.g.outputs, s.tiles());
    let t_all = s.g.images * tiles;
    let bias = load::<L>(b, o0);
    for t in 0..t_all {
        let mm = load_square::<A, L>(m, |i, j| ((i * A + j) * t_all + t) * o + o0);
        let mut r = both_sides(mm, T::output::<L>);
        for (i, row) in r.iter_mut().enumerate() {
            for (j, value) in row.iter_mut().enumerate() {
                *value = add(*value, bias);
                store(y, (t * M * M + i * M + j) * o + o0, *value);
            }
        }
        let (n, tile) = (t / tiles, t % tiles);
        for py in 0..M / 2 {
            for px in 0..M / 2 {
                let (i, j) = (2 * py, 2 * px);
                let sum = add(
                    add(relu(r[i][j]), relu(r[i][j + 1])),
                    add(relu(r[i + 1][j]), relu(r[i + 1][j + 1])),
                );
                let at = (n * s.pooled() + s.pooled_pixel(tile, py, px)) * o + o0;
                store::<L>(pooled, at, scale(sum, 0.25));
            }
        }
    }
}

/// The gradient of [`transform_output`] with respect to `M`, as `dM[ξ][t][o]`, and the
/// bias gradient added to `db`, from the pooled output's gradient channels-last
/// `[image][pooled pixel][o]`; output channels `o0..o0+L`.
fn output_backward<const L: usize, const A: usize, const M: usize, T: Tile<A, M>>(
    s: &Sizes<A, M>,
    y: &[f32],
    grad: &[f32],
    dm: &mut [f32],
    db: &mut [f32],
    o0: usize,
) {
    let (o, tiles) = (s.g.outputs, s.tiles());
    let t_all = s.g.images * tiles;
    let mut bias_grad = [0.0f32; L];
    for t in 0..t_all {
        let (n, tile) = (t / tiles, t % tiles);
        let mut dy = [[[0.0f32; L]; M]; M];
        for (i, row) in dy.iter_mut().enumerate() {
            for (j, dy) in row.iter_mut().enumerate() {
                let at = (n * s.pooled() + s.pooled_pixel(tile, i / 2, j / 2)) * o + o0;
                let pooled = scale(load::<L>(grad, at), 0.25);
                let y = load::<L>(y, (t * M * M + i * M + j) * o + o0);
                for ((d, &y), &p) in dy.iter_mut().zip(&y).zip(&pooled) {
                    *d = if y > 0.0 { p } else { 0.0 };
                }
                bias_grad = add(bias_grad, *dy);
            }
        }
        let dmm = both_sides(dy, T::output_grad::<L>);
        for (xi, value) in dmm.iter().flatten().enumerate() {
            store(dm, (xi * t_all + t) * o + o0, *value);
        }
    }
    store(db, o0, add(load::<L>(db, o0), bias_grad));
}

/// What the forward pass keeps for the backward pass: the tiling, and per chunk of
/// images, its `V` and its pre-ReLU conv output `Y`, one block after the other.
pub(super) struct Saved {
    tiling: Tiling,
    v: Buffer,
    y: Buffer,
}

/// The layer's pooled output (NCHW), and what the backward pass needs if `save`. The
/// conv output must cut into `tiling`'s tiles ([`Tiling::fits`]).
pub(super) fn forward(
    tiling: Tiling,
    g: &Geometry,
    x: &[f32],
    w: &[f32],
    b: &[f32],
    save: bool,
) -> (Vec<f32>, Option<Saved>) {
    let (out, kept) = match tiling {
        Tiling::F2x2 => forward_by::<4, 2, F2x2>(Sizes { g: *g }, x, w, b, save),
        Tiling::F4x4 => forward_by::<6, 4, F4x4>(Sizes { g: *g }, x, w, b, save),
    };
    (out, kept.map(|(v, y)| Saved { tiling, v, y }))
}

fn forward_by<const A: usize, const M: usize, T: Tile<A, M>>(
    s: Sizes<A, M>,
    x: &[f32],
    w: &[f32],
    b: &[f32],
    save: bool,
) -> (Vec<f32>, Option<(Buffer, Buffer)>) {
    let g = &s.g;
    let (o, c, tiles) = (g.outputs, g.channels, s.tiles());
    let xi_count = Sizes::<A, M>::XI;
    let ut = filters::<A, M, T>(w, o, c, true);
    let step = s.chunk_images();
    // Training keeps every chunk's V and Y; inference reuses one chunk's (in cache).
    let kept = if save { g.images } else { step };
    let mut v = Buffer::scratch(kept * s.v_len());
    let mut y = Buffer::scratch(kept * s.y_len());
    let mut xt = Buffer::scratch(step * g.input_len());
    let mut m = Buffer::scratch(step * s.m_len());
    let mut pooled = Buffer::scratch(step * g.output_len());
    let mut out = vec![0.0f32; g.images * g.output_len()];
    for first in (0..g.images).step_by(step) {
        let chunk = s.with_images(step.min(g.images - first));
        let images = chunk.g.images;
        let at = if save { first } else { 0 };
        let t = images * tiles;
        let plane = g.height * g.width;
        let xt = &mut xt[..images * g.input_len()];
        transpose_images(&x[first * g.input_len()..], c, plane, images, xt);
        let vc = &mut v[at * s.v_len()..][..images * s.v_len()];
        by_lanes!(c, transform_input::<A, M, T>(&chunk, xt, vc));
        let mc = &mut m[..images * s.m_len()];
        for (xi, (ut, m)) in ut
            .chunks_exact(c * o)
            .zip(mc.chunks_exact_mut(t * o))
            .enumerate()
        {
            // M_ξ (T × O) = V_ξ (T × C, rows ξ-count·C apart) · Uᵀ_ξ (C × O).
            let v_xi = Strided {
                data: &vc[xi * c..],
                row: xi_count * c,
                col: 1,
            };
            gemm(Dims { m: t, n: o, k: c }, v_xi, ut, m, Init::Zero);
        }
        let yc = &mut y[at * s.y_len()..][..images * s.y_len()];
        let pooled = &mut pooled[..images * g.output_len()];
        by_lanes!(o, transform_output::<A, M, T>(&chunk, mc, b, yc, pooled));
        let out = &mut out[first * g.output_len()..];
        transpose_images(pooled, s.pooled(), o, images, out);
    }
    (out, save.then_some((v, y)))
}

/// The gradients of a forward pass that kept `saved`, given the gradient of its pooled
/// output: `(dx if w is given, dw (O, C, 3, 3), db)`.
pub(super) fn backward(
    g: &Geometry,
    saved: Saved,
    grad: &[f32],
    w: Option<&[f32]>,
) -> (Option<Vec<f32>>, Vec<f32>, Vec<f32>) {
    let Saved { tiling, v, y } = saved;
    match tiling {
        Tiling::F2x2 => backward_by::<4, 2, F2x2>(Sizes { g: *g }, &v, &y, grad, w),
        Tiling::F4x4 => backward_by::<6, 4, F4x4>(Sizes { g: *g }, &v, &y, grad, w),
    }
}

fn backward_by<const A: usize, const M: usize, T: Tile<A, M>>(
    s: Sizes<A, M>,
    v: &[f32],
    y: &[f32],
    grad: &[f32],
    w: Option<&[f32]>,
) -> (Option<Vec<f32>>, Vec<f32>, Vec<f32>) {
    let g = &s.g;
    let (o, c, tiles) = (g.outputs, g.channels, s.tiles());
    let xi_count = Sizes::<A, M>::XI;
    let plane = g.height * g.width;
    let u = w.map(|w| filters::<A, M, T>(w, o, c, false));
    let step = s.chunk_images();
    let mut grad_t = Buffer::scratch(step * g.output_len());
    let mut dm = Buffer::scratch(step * s.m_len());
    let mut dv = Buffer::scratch(if u.is_some() { step * s.v_len() } else { 0 });
    let mut dxt = Buffer::scratch(if u.is_some() { step * g.input_len() } else { 0 });
    let mut dx = u.as_ref().map(|_| vec![0.0f32; g.images * g.input_len()]);
    let mut dut = vec![0.0f32; xi_count * c * o];
    let mut db = vec![0.0f32; o];
    for first in (0..g.images).step_by(step) {
        let chunk = s.with_images(step.min(g.images - first));
        let images = chunk.g.images;
        let t = images * tiles;
        let vc = &v[first * s.v_len()..][..images * s.v_len()];
        let yc = &y[first * s.y_len()..][..images * s.y_len()];
        let grad_t = &mut grad_t[..images * g.output_len()];
        let grad = &grad[first * g.output_len()..];
        transpose_images(grad, o, s.pooled(), images, grad_t);
        let dm = &mut dm[..images * s.m_len()];
        by_lanes!(
            o,
            output_backward::<A, M, T>(&chunk, yc, grad_t, dm, &mut db)
        );
        for (xi, (dm, dut)) in dm
            .chunks_exact(t * o)
            .zip(dut.chunks_exact_mut(c * o))
            .enumerate()
        {
            // dUᵀ_ξ (C × O) += V_ξᵀ (C × T) · dM_ξ (T × O).
            let v_xi_t = Strided {
                data: &vc[xi * c..],
                row: 1,
                col: xi_count * c,
            };
            gemm(Dims { m: c, n: o, k: t }, v_xi_t, dm, dut, Init::Add);
        }
        if let (Some(u), Some(dx)) = (&u, &mut dx) {
            let dv = &mut dv[..images * s.v_len()];
            for ((u, dm), dv) in u
                .chunks_exact(o * c)
                .zip(dm.chunks_exact(t * o))
                .zip(dv.chunks_exact_mut(t * c))
            {
                // dV_ξ (T × C) = dM_ξ (T × O) · U_ξ (O × C).
                let dims = Dims { m: t, n: c, k: o };
                gemm(dims, Strided::row_major(dm, o), u, dv, Init::Zero);
            }
            let dxt = &mut dxt[..images * g.input_len()];
            dxt.fill(0.0);
            by_lanes!(c, input_backward::<A, M, T>(&chunk, dv, dxt));
            let dx = &mut dx[first * g.input_len()..];
            transpose_images(dxt, plane, c, images, dx);
        }
    }
    (dx, filter_grads::<A, M, T>(&dut, o, c), db)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One lane: a transform as a function of plain values.
    fn scalar<const I: usize, const O: usize>(
        f: fn([Lanes<1>; I]) -> [Lanes<1>; O],
        x: &[f32],
    ) -> Vec<f32> {
        let lifted: [Lanes<1>; I] = from_fn(|i| [x[i]]);
        f(lifted).iter().map(|[v]| *v).collect()
    }

    /// Deterministic values in [-1.5, 1.5).
    fn values<const N: usize>(seed: usize) -> [f32; N] {
        from_fn(|i| (((seed + 7 * i) * 37 % 101) as f32 / 101.0 - 0.5) * 3.0)
    }

    /// For a tiling's 1-D transforms: `Aᵀ[(G g) ⊙ (Bᵀ d)]` is the valid 3-tap correlation
    /// of the `A` inputs (`M` outputs), and each backward transform is its forward
    /// transform's transpose (`<T a, b> = <a, Tᵀ b>`).
    fn check<const A: usize, const M: usize, T: Tile<A, M>>() {
        let (d, g) = (values::<A>(1), values::<3>(2));
        let (u, v) = (scalar(T::filter::<1>, &g), scalar(T::input::<1>, &d));
        let product: Vec<f32> = u.iter().zip(&v).map(|(u, v)| u * v).collect();
        let y = scalar(T::output::<1>, &product);
        for (i, y) in y.iter().enumerate() {
            let want = d[i] * g[0] + d[i + 1] * g[1] + d[i + 2] * g[2];
            assert!((y - want).abs() < 1e-5, "F({M}): output {i}: {y} vs {want}");
        }
        let dot = |a: &[f32], b: &[f32]| a.iter().zip(b).map(|(x, y)| x * y).sum::<f32>();
        let (ba, bm) = (values::<A>(3), values::<M>(4));
        let pairs = [
            (
                "input",
                dot(&v, &ba),
                dot(&d, &scalar(T::input_grad::<1>, &ba)),
            ),
            (
                "filter",
                dot(&u, &ba),
                dot(&g, &scalar(T::filter_grad::<1>, &ba)),
            ),
            (
                "output",
                dot(&scalar(T::output::<1>, &ba), &bm),
                dot(&ba, &scalar(T::output_grad::<1>, &bm)),
            ),
        ];
        for (what, forward, transposed) in pairs {
            assert!(
                (forward - transposed).abs() < 1e-4,
                "F({M}) {what}: {forward} vs {transposed}"
            );
        }
    }

    #[test]
    fn the_transforms_correlate_and_transpose() {
        check::<4, 2, F2x2>();
        check::<6, 4, F4x4>();
    }
}
