//! A small matrix product for the conv kernels: `C = init + A · B`, single thread.
//!
//! Every product the conv layers need (forward, weight gradient, input gradient) is
//! written so that `B` and `C` are row-major and the long or wide dimension runs along
//! their rows; only `A` needs arbitrary strides. One register-tiled kernel then serves
//! them all: an `MR × NR` block of `C` stays in registers while `p` runs over the
//! shared dimension, each step broadcasting `MR` values of `A` against one row slice of
//! `B`. The loops are plain Rust over fixed-size arrays, which LLVM turns into SIMD:
//! simd128 on wasm32 (with `+simd128`, see `.cargo/config.toml`), and on x86-64 AVX2 with
//! fused multiply-add when the CPU has it (checked once at run time), else SSE2. A wasm32
//! build with `+relaxed-simd` (the page's second build, `scripts/build-web.sh`) computes the
//! tiles with `f32x4.relaxed_madd` instead, fused where the CPU has FMA.
//!
//! Results differ from a naive triple loop only in rounding (FMA, summation order); on
//! one machine they are deterministic.

/// Rows of `C` per register tile (x86-64: 4 × 16, eight AVX2 accumulators).
#[cfg(target_arch = "wasm32")]
const MR: usize = 2;
#[cfg(not(target_arch = "wasm32"))]
const MR: usize = 4;
/// Columns of `C` per register tile. On wasm32 the tile is 2 × 16: eight 128-bit
/// accumulators, each broadcast value of `A` used four times; it trained the published run
/// in 0.95× the time of 4 × 8 in Chromium (2026-12-03, the two builds' epochs interleaved),
/// where 3 × 16 was no faster and 6 × 8 slower.
const NR: usize = 16;

/// A read-only matrix view with arbitrary strides: element `(i, p)` is
/// `data[i * row + p * col]`.
#[derive(Debug, Clone, Copy)]
pub struct Strided<'a> {
    pub data: &'a [f32],
    pub row: usize,
    pub col: usize,
}

impl<'a> Strided<'a> {
    /// A row-major `rows × cols` matrix.
    pub fn row_major(data: &'a [f32], cols: usize) -> Self {
        Self {
            data,
            row: cols,
            col: 1,
        }
    }

    /// The transpose of a row-major matrix with `cols` columns.
    pub fn transposed(data: &'a [f32], cols: usize) -> Self {
        Self {
            data,
            row: 1,
            col: cols,
        }
    }

    #[inline(always)]
    fn at(&self, i: usize, p: usize) -> f32 {
        self.data[i * self.row + p * self.col]
    }
}

/// The shapes of one product `C (m × n) += A (m × k) · B (k × n)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Dims {
    pub m: usize,
    pub n: usize,
    pub k: usize,
}

/// What `C` starts from.
#[derive(Debug, Clone, Copy)]
pub enum Init<'a> {
    /// `C += A · B`.
    Add,
    /// `C = A · B` (C's old values are never read).
    Zero,
    /// `C = A · B` plus `column[i]` on row `i` (length `m`): a bias per output channel.
    Column(&'a [f32]),
}

impl Init<'_> {
    /// The value of `C[i, _]` before the product, given its current value.
    #[inline(always)]
    fn start(&self, i: usize, current: f32) -> f32 {
        match self {
            Init::Add => current,
            Init::Zero => 0.0,
            Init::Column(column) => column[i],
        }
    }
}

/// `C = init + A · B` where `B` is row-major `k × n` and `C` row-major `m × n`.
///
/// # Panics
/// If a slice is too short for the dimensions (a bug in the caller, never user input).
pub fn gemm(dims: Dims, a: Strided, b: &[f32], c: &mut [f32], init: Init) {
    let Dims { m, n, k } = dims;
    if m == 0 || n == 0 {
        return;
    }
    assert!(
        b.len() >= k * n,
        "gemm: B has {} values, needs {k}×{n}",
        b.len()
    );
    assert!(
        c.len() >= m * n,
        "gemm: C has {} values, needs {m}×{n}",
        c.len()
    );
    if k > 0 {
        let last = (m - 1) * a.row + (k - 1) * a.col;
        assert!(a.data.len() > last, "gemm: A is too short for {m}×{k}");
    }
    #[cfg(target_arch = "x86_64")]
    {
        if std::is_x86_feature_detected!("avx2") && std::is_x86_feature_detected!("fma") {
            // SAFETY: the CPU has the features the function is compiled for.
            unsafe { gemm_avx2_fma(dims, a, b, c, init) };
            return;
        }
    }
    gemm_portable::<false>(dims, a, b, c, init);
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn gemm_avx2_fma(dims: Dims, a: Strided, b: &[f32], c: &mut [f32], init: Init) {
    gemm_portable::<true>(dims, a, b, c, init);
}

#[inline(always)]
fn madd<const FMA: bool>(a: f32, b: f32, c: f32) -> f32 {
    if FMA {
        a.mul_add(b, c)
    } else {
        a * b + c
    }
}

#[inline(always)]
fn gemm_portable<const FMA: bool>(dims: Dims, a: Strided, b: &[f32], c: &mut [f32], init: Init) {
    let Dims { m, n, k } = dims;
    let job = Job { k, n, a, b, init };
    let full_cols = n - n % NR;
    let full_rows = m - m % MR;
    for j0 in (0..full_cols).step_by(NR) {
        for i0 in (0..full_rows).step_by(MR) {
            tile::<FMA>(&job, i0, j0, c);
        }
        for i in full_rows..m {
            row_tile::<FMA>(&job, i, j0, c);
        }
    }
    // Columns that do not fill a tile: a plain loop.
    for i in 0..m {
        for j in full_cols..n {
            let mut acc = 0.0f32;
            for p in 0..k {
                acc = madd::<FMA>(a.at(i, p), b[p * n + j], acc);
            }
            c[i * n + j] = init.start(i, c[i * n + j]) + acc;
        }
    }
}

/// What every tile of one product shares.
#[derive(Clone, Copy)]
struct Job<'a> {
    k: usize,
    n: usize,
    a: Strided<'a>,
    b: &'a [f32],
    init: Init<'a>,
}

#[inline(always)]
fn cols<const N: usize>(s: &[f32], at: usize) -> &[f32; N] {
    s[at..at + N].try_into().expect("a slice of N values")
}

#[inline(always)]
fn cols_mut<const N: usize>(s: &mut [f32], at: usize) -> &mut [f32; N] {
    (&mut s[at..at + N])
        .try_into()
        .expect("a slice of N values")
}

/// `MR` rows of `A`, read one column at a time. The two layouts the conv kernels use get
/// their own implementation so that the bounds checks leave the inner loop.
trait Panel {
    fn column(&self, p: usize) -> [f32; MR];
}

/// Rows of a row-major `A`, each sliced to its `k` values.
struct RowPanel<'a>([&'a [f32]; MR]);

impl Panel for RowPanel<'_> {
    #[inline(always)]
    fn column(&self, p: usize) -> [f32; MR] {
        std::array::from_fn(|r| self.0[r][p])
    }
}

/// A column-major `A` (a transposed row-major matrix): column `p` is `MR` values in a row.
struct ColumnPanel<'a> {
    data: &'a [f32],
    stride: usize,
    first: usize,
}

impl Panel for ColumnPanel<'_> {
    #[inline(always)]
    fn column(&self, p: usize) -> [f32; MR] {
        *cols::<MR>(self.data, p * self.stride + self.first)
    }
}

/// Any strides.
struct StridedPanel<'a> {
    a: Strided<'a>,
    first: usize,
}

impl Panel for StridedPanel<'_> {
    #[inline(always)]
    fn column(&self, p: usize) -> [f32; MR] {
        std::array::from_fn(|r| self.a.at(self.first + r, p))
    }
}

/// `C[i0..i0+MR, j0..j0+NR] = init + A[i0..i0+MR, :] · B[:, j0..j0+NR]`.
#[inline(always)]
fn tile<const FMA: bool>(job: &Job, i0: usize, j0: usize, c: &mut [f32]) {
    let a = job.a;
    if a.col == 1 {
        let rows = std::array::from_fn(|r| &a.data[(i0 + r) * a.row..][..job.k]);
        tile_from::<FMA>(job, &RowPanel(rows), i0, j0, c);
    } else if a.row == 1 {
        let panel = ColumnPanel {
            data: a.data,
            stride: a.col,
            first: i0,
        };
        tile_from::<FMA>(job, &panel, i0, j0, c);
    } else {
        tile_from::<FMA>(job, &StridedPanel { a, first: i0 }, i0, j0, c);
    }
}

/// [`tile_from`] in wasm32's relaxed SIMD: `f32x4.relaxed_madd` is one fused
/// multiply-add where the CPU has one (two operations in plain simd128). A whole tile of
/// its own, accumulators kept as `v128`: sharing the portable tile through a per-row
/// helper that loads and stores `[f32; NR]` was slower (median wasm epoch 71 vs 66 ms,
/// 8 interleaved runs).
#[cfg(all(target_arch = "wasm32", target_feature = "relaxed-simd"))]
#[inline(always)]
fn tile_from<const FMA: bool>(job: &Job, panel: &impl Panel, i0: usize, j0: usize, c: &mut [f32]) {
    use core::arch::wasm32::{f32x4_relaxed_madd, f32x4_splat, v128, v128_load, v128_store};
    const VECTORS: usize = NR / 4;
    let Job { k, n, b, init, .. } = *job;
    let mut acc = [[f32x4_splat(0.0); VECTORS]; MR];
    for p in 0..k {
        let brow = cols::<NR>(b, p * n + j0);
        // SAFETY: `brow` holds NR = 4 · VECTORS values; v128 loads need no alignment.
        let bv: [v128; VECTORS] =
            std::array::from_fn(|v| unsafe { v128_load(brow.as_ptr().add(4 * v).cast()) });
        let column = panel.column(p);
        for (acc_r, &av) in acc.iter_mut().zip(&column) {
            let a = f32x4_splat(av);
            for (x, &bv) in acc_r.iter_mut().zip(&bv) {
                *x = f32x4_relaxed_madd(a, bv, *x);
            }
        }
    }
    for (r, acc_r) in acc.iter().enumerate() {
        let mut row = [0.0f32; NR];
        for (v, x) in acc_r.iter().enumerate() {
            // SAFETY: `row` holds NR = 4 · VECTORS values.
            unsafe { v128_store(row.as_mut_ptr().add(4 * v).cast(), *x) };
        }
        store(cols_mut::<NR>(c, (i0 + r) * n + j0), &row, i0 + r, init);
    }
}

#[cfg(not(all(target_arch = "wasm32", target_feature = "relaxed-simd")))]
#[inline(always)]
fn tile_from<const FMA: bool>(job: &Job, panel: &impl Panel, i0: usize, j0: usize, c: &mut [f32]) {
    let Job { k, n, b, init, .. } = *job;
    let mut acc = [[0.0f32; NR]; MR];
    for p in 0..k {
        let brow = cols::<NR>(b, p * n + j0);
        let column = panel.column(p);
        for (acc_r, &av) in acc.iter_mut().zip(&column) {
            for (x, &bv) in acc_r.iter_mut().zip(brow) {
                *x = madd::<FMA>(av, bv, *x);
            }
        }
    }
    for (r, acc_r) in acc.iter().enumerate() {
        store(cols_mut::<NR>(c, (i0 + r) * n + j0), acc_r, i0 + r, init);
    }
}

/// One row of a tile (the rows left over below the last full tile).
#[inline(always)]
fn row_tile<const FMA: bool>(job: &Job, i: usize, j0: usize, c: &mut [f32]) {
    let Job { k, n, a, b, init } = *job;
    let mut acc = [0.0f32; NR];
    for p in 0..k {
        let av = a.at(i, p);
        for (x, &bv) in acc.iter_mut().zip(cols::<NR>(b, p * n + j0)) {
            *x = madd::<FMA>(av, bv, *x);
        }
    }
    store(cols_mut::<NR>(c, i * n + j0), &acc, i, init);
}

/// Writes row `i` of a finished tile.
#[inline(always)]
fn store(c: &mut [f32; NR], acc: &[f32; NR], i: usize, init: Init) {
    match init {
        Init::Add => c.iter_mut().zip(acc).for_each(|(x, &v)| *x += v),
        Init::Zero => *c = *acc,
        Init::Column(column) => {
            let start = column[i];
            c.iter_mut().zip(acc).for_each(|(x, &v)| *x = start + v);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::{Rng, Stream};

    fn naive(dims: Dims, a: Strided, b: &[f32], c: &mut [f32]) {
        for i in 0..dims.m {
            for j in 0..dims.n {
                let mut acc = 0.0f64;
                for p in 0..dims.k {
                    acc += f64::from(a.at(i, p)) * f64::from(b[p * dims.n + j]);
                }
                c[i * dims.n + j] += acc as f32;
            }
        }
    }

    fn random(rng: &mut Rng, n: usize) -> Vec<f32> {
        (0..n).map(|_| rng.uniform(-1.0, 1.0)).collect()
    }

    #[test]
    fn matches_a_naive_product_for_every_shape_and_stride() {
        let mut rng = Rng::for_stream(7, Stream::Init);
        for &(m, n, k) in &[
            (1, 1, 1),
            (4, 16, 9),
            (9, 16, 37),
            (13, 33, 5),
            (36, 144, 32),
            (5, 7, 0),
            (3, 8, 2),
        ] {
            let dims = Dims { m, n, k };
            let a_data = random(&mut rng, m * k);
            let b = random(&mut rng, k * n);
            let c0 = random(&mut rng, m * n);
            let bias = random(&mut rng, m);
            for a in [
                Strided::row_major(&a_data, k),
                Strided::transposed(&a_data, m),
            ] {
                let mut product = vec![0.0; m * n];
                naive(dims, a, &b, &mut product);
                let added: Vec<f32> = c0.iter().zip(&product).map(|(c, p)| c + p).collect();
                let biased: Vec<f32> = product
                    .iter()
                    .enumerate()
                    .map(|(i, p)| p + bias[i / n])
                    .collect();
                for (init, want) in [
                    (Init::Add, &added),
                    (Init::Zero, &product),
                    (Init::Column(&bias), &biased),
                ] {
                    let mut got = c0.clone();
                    gemm(dims, a, &b, &mut got, init);
                    for (g, w) in got.iter().zip(want) {
                        assert!(
                            (g - w).abs() <= 1e-5 * (1.0 + w.abs()),
                            "{m}×{n}×{k} {init:?}: {g} vs {w}"
                        );
                    }
                }
            }
        }
    }

    #[test]
    #[should_panic(expected = "gemm: B has")]
    fn refuses_a_short_matrix() {
        let a = vec![0.0; 4];
        let dims = Dims { m: 2, n: 2, k: 2 };
        gemm(
            dims,
            Strided::row_major(&a, 2),
            &[0.0; 3],
            &mut [0.0; 4],
            Init::Add,
        );
    }
}
