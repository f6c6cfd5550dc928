//! The published TwinNet on candle, and the probabilistic readout.
//!
//! Per image, a conv subnet
//! `Conv2d(1,16,3) ReLU AvgPool(2) Conv2d(16,32,3) ReLU AvgPool(2) Flatten
//!  Linear(128,32) BatchNorm1d(32) Dropout(0.25) Linear(32,10)` (9,322 parameters);
//! on the two concatenated 10-vectors a head
//! `ReLU Linear(20,10) BatchNorm1d(10) ReLU Dropout(0.25) Linear(10,2)` (252 parameters).
//! With weight sharing one subnet sees both images, else each image has its own.
//!
//! Layers keep PyTorch's semantics (weights `(out, in, …)`, BatchNorm with momentum 0.1,
//! eps 1e-5 and unbiased running variance) and its `state_dict` names, so
//! [`crate::weights`] can move models between the two.
//!
//! Everything random (init, dropout) draws from [`Rng`]: candle's CPU RNG cannot be seeded.

use candle_core::{DType, Device, Tensor, Var, D};

use crate::kernels::conv_relu_pool::{conv3x3_relu_pool, Gradients};
use crate::kernels::linear::linear;
use crate::rng::Rng;

pub use candle_core::Error as CandleError;

/// Classes of a digit.
pub const DIGITS: usize = 10;
/// Dropout probability of the subnet and the head.
pub const DROPOUT: f32 = 0.25;
/// BatchNorm running-statistics momentum (PyTorch's default).
pub const BN_MOMENTUM: f64 = 0.1;
/// BatchNorm epsilon (PyTorch's default).
pub const BN_EPS: f64 = 1e-5;

/// The two switches of the published experiment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct ModelConfig {
    /// One subnet for both images (else one per image).
    pub share: bool,
    /// Train the 10-way outputs against the digit classes too.
    pub aux: bool,
}

impl ModelConfig {
    /// The published model with both switches on: the page's and the benchmark's.
    pub const SHARE_AUX: ModelConfig = ModelConfig {
        share: true,
        aux: true,
    };

    /// The four configurations, in the publication's Table I order.
    pub const ALL: [ModelConfig; 4] = [
        ModelConfig {
            share: false,
            aux: false,
        },
        ModelConfig {
            share: true,
            aux: false,
        },
        ModelConfig {
            share: false,
            aux: true,
        },
        ModelConfig {
            share: true,
            aux: true,
        },
    ];

    /// Short name: `none`, `share`, `aux` or `share+aux`.
    pub fn name(&self) -> &'static str {
        match (self.share, self.aux) {
            (false, false) => "none",
            (true, false) => "share",
            (false, true) => "aux",
            (true, true) => "share+aux",
        }
    }

    /// Number of trainable parameters of a TwinNet with this configuration.
    pub fn parameter_count(&self) -> usize {
        let subnets = if self.share { 1 } else { 2 };
        subnets * SUBNET_PARAMETERS + HEAD_PARAMETERS
    }
}

impl std::fmt::Display for ModelConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// Trainable parameters of one conv subnet.
pub const SUBNET_PARAMETERS: usize = 9_322;
/// Trainable parameters of the head.
pub const HEAD_PARAMETERS: usize = 252;

/// Input normalisation, in [0, 1] intensity units: `x_norm = (x - mean) / std`.
/// Computed from the training pairs and carried with the model.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Normalization {
    pub mean: f32,
    pub std: f32,
}

impl Normalization {
    /// Normalises values in place.
    pub fn apply(&self, values: &mut [f32]) {
        let inv = 1.0 / self.std;
        for v in values {
            *v = (*v - self.mean) * inv;
        }
    }
}

/// Train mode (batch statistics, dropout from the given RNG) or eval mode. Without
/// feature `training` (the page's predictor module) there is no train mode, so none of
/// its code (batch statistics, dropout masks) is compiled into that module.
pub enum Mode<'a> {
    #[cfg(feature = "training")]
    Train {
        dropout: &'a mut Rng,
    },
    Eval,
    #[cfg(not(feature = "training"))]
    #[doc(hidden)]
    Never(
        std::convert::Infallible,
        std::marker::PhantomData<&'a mut Rng>,
    ),
}

impl Mode<'_> {
    fn is_train(&self) -> bool {
        #[cfg(feature = "training")]
        return matches!(self, Mode::Train { .. });
        #[cfg(not(feature = "training"))]
        false
    }
}

/// What the network says about a batch of pairs.
#[derive(Debug, Clone)]
pub struct Outputs {
    /// `(B, 2)` logits of "first > second" (0) and "first ≤ second" (1).
    pub pair: Tensor,
    /// `(B, 10)` digit logits of the first image.
    pub digit_a: Tensor,
    /// `(B, 10)` digit logits of the second image.
    pub digit_b: Tensor,
}

fn uniform_var(rng: &mut Rng, shape: &[usize], bound: f32) -> candle_core::Result<Var> {
    let n: usize = shape.iter().product();
    let values: Vec<f32> = (0..n).map(|_| rng.uniform(-bound, bound)).collect();
    Var::from_vec(values, shape, &Device::Cpu)
}

/// PyTorch's default init: kaiming-uniform (a = √5) for the weight, which is
/// U(±1/√fan_in), and U(±1/√fan_in) for the bias.
fn default_init(
    rng: &mut Rng,
    weight_shape: &[usize],
    fan_in: usize,
) -> candle_core::Result<(Var, Var)> {
    let bound = 1.0 / (fan_in as f32).sqrt();
    let weight = uniform_var(rng, weight_shape, bound)?;
    let bias = uniform_var(rng, &weight_shape[..1], bound)?;
    Ok((weight, bias))
}

/// A named tensor of a model's state, in PyTorch's naming.
pub type NamedTensor = (String, Tensor);

/// A layer as PyTorch's `state_dict` holds it. Its kind and sizes give its tensors'
/// names, shapes and types ([`LayerKind::tensors`]), the one place they are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum LayerKind {
    /// `nn.Conv2d(input, output, 3)`.
    Conv2d { input: usize, output: usize },
    /// `nn.Linear(input, output)`.
    Linear { input: usize, output: usize },
    /// `nn.BatchNorm1d(channels)`.
    BatchNorm1d { channels: usize },
}

impl LayerKind {
    /// The layer's tensors in `state_dict` order, as (name after the layer's prefix,
    /// shape, type): `weight` and `bias`, then for BatchNorm `running_mean`,
    /// `running_var` and the int64 scalar `num_batches_tracked`.
    fn tensors(self) -> Vec<(&'static str, Vec<usize>, DType)> {
        let f = DType::F32;
        let (weight, outputs) = match self {
            Self::Conv2d { input, output } => (vec![output, input, 3, 3], output),
            Self::Linear { input, output } => (vec![output, input], output),
            Self::BatchNorm1d { channels } => (vec![channels], channels),
        };
        let mut tensors = vec![("weight", weight, f), ("bias", vec![outputs], f)];
        if let Self::BatchNorm1d { channels } = self {
            tensors.extend([
                ("running_mean", vec![channels], f),
                (RUNNING_VAR, vec![channels], f),
                ("num_batches_tracked", vec![], DType::I64),
            ]);
        }
        tensors
    }
}

/// A BatchNorm's running variance in `state_dict` (after the layer's prefix): the loader
/// refuses negative values, which make every prediction NaN.
pub(crate) const RUNNING_VAR: &str = "running_var";

/// The `state_dict` prefix of the subnet of a weight-sharing model.
pub(crate) const SHARED_SUBNET: &str = "subnet";
/// The `state_dict` prefixes of the two subnets of a model without weight sharing (first
/// image, second image).
pub(crate) const SEPARATE_SUBNETS: [&str; 2] = ["subnet1", "subnet2"];
/// The `state_dict` prefix of the head.
const HEAD: &str = "head";

/// Every tensor of a model with (`share`) or without weight sharing, as (`state_dict`
/// name, shape, type) in `state_dict` order: each subnet's layers, then the head's, each
/// layer under its index in PyTorch's `nn.Sequential`.
pub(crate) fn state_layout(share: bool) -> Vec<(String, Vec<usize>, DType)> {
    let subnets: &[&str] = if share {
        &[SHARED_SUBNET]
    } else {
        &SEPARATE_SUBNETS
    };
    let layers = subnets
        .iter()
        .flat_map(|subnet| ConvSubnet::LAYERS.map(|(index, kind)| (*subnet, index, kind)))
        .chain(Head::LAYERS.map(|(index, kind)| (HEAD, index, kind)));
    layers
        .flat_map(|(prefix, index, kind)| {
            kind.tensors()
                .into_iter()
                .map(move |(name, shape, dtype)| (format!("{prefix}.{index}.{name}"), shape, dtype))
        })
        .collect()
}

/// The next tensor of a state being read in [`state_layout`] order.
fn next_tensor(tensors: &mut impl Iterator<Item = Tensor>) -> candle_core::Result<Tensor> {
    tensors
        .next()
        .ok_or_else(|| candle_core::Error::Msg("a model state is missing tensors".into()))
}

/// A layer's weight and bias, as PyTorch names them.
#[derive(Debug, Clone)]
struct WeightBias {
    weight: Var,
    bias: Var,
}

impl WeightBias {
    /// From the next two tensors of a state: weight, bias.
    fn from_state(tensors: &mut impl Iterator<Item = Tensor>) -> candle_core::Result<Self> {
        Ok(Self {
            weight: Var::from_tensor(&next_tensor(tensors)?)?,
            bias: Var::from_tensor(&next_tensor(tensors)?)?,
        })
    }

    fn vars(&self) -> [&Var; 2] {
        [&self.weight, &self.bias]
    }

    /// Its tensors in [`LayerKind::tensors`] order.
    fn state(&self, out: &mut Vec<Tensor>) {
        out.push(self.weight.as_tensor().clone());
        out.push(self.bias.as_tensor().clone());
    }
}

/// `nn.Linear`: `y = x Wᵀ + b`, weight `(out, in)`.
#[derive(Debug, Clone)]
pub struct Linear(WeightBias);

impl Linear {
    fn init(rng: &mut Rng, input: usize, output: usize) -> candle_core::Result<Self> {
        let (weight, bias) = default_init(rng, &[output, input], input)?;
        Ok(Self(WeightBias { weight, bias }))
    }

    fn forward(&self, x: &Tensor) -> candle_core::Result<Tensor> {
        linear(x, &self.0.weight, &self.0.bias)
    }
}

/// A linear layer with the eval-mode BatchNorm after it folded in: `BN(x Wᵀ + b)` =
/// `x (s·W)ᵀ + (s·(b − mean) + β)` with `s = γ / √(var + ε)` per output. Eval mode runs
/// this one op where training runs three (linear, BatchNorm, and BatchNorm's statistics),
/// so the forward pass of the page's predictor needs no element-wise candle op but ReLU.
struct FoldedLinear {
    weight: Tensor,
    bias: Tensor,
}

impl FoldedLinear {
    fn new(fc: &Linear, bn: &BatchNorm1d) -> candle_core::Result<Self> {
        let values = |t: &Tensor| t.flatten_all()?.to_vec1::<f32>();
        let (weight, bias) = (values(&fc.0.weight)?, values(&fc.0.bias)?);
        let (gamma, beta) = (values(&bn.affine.weight)?, values(&bn.affine.bias)?);
        let (mean, var) = (values(&bn.running_mean)?, values(&bn.running_var)?);
        let (outputs, inputs) = fc.0.weight.dims2()?;
        if [bias.len(), gamma.len(), beta.len(), mean.len(), var.len()] != [outputs; 5] {
            candle_core::bail!("BatchNorm1d has not the {outputs} channels of the layer before it");
        }
        let scale: Vec<f32> = (0..outputs)
            .map(|o| gamma[o] / (var[o] + BN_EPS as f32).sqrt())
            .collect();
        let weight: Vec<f32> = weight
            .chunks_exact(inputs)
            .zip(&scale)
            .flat_map(|(row, s)| row.iter().map(move |w| w * s))
            .collect();
        let bias: Vec<f32> = (0..outputs)
            .map(|o| scale[o] * (bias[o] - mean[o]) + beta[o])
            .collect();
        let cpu = &Device::Cpu;
        Ok(Self {
            weight: Tensor::from_vec(weight, (outputs, inputs), cpu)?,
            bias: Tensor::from_vec(bias, outputs, cpu)?,
        })
    }

    fn forward(&self, x: &Tensor) -> candle_core::Result<Tensor> {
        linear(x, &self.weight, &self.bias)
    }
}

/// `nn.Conv2d(in, out, k)`: valid padding, stride 1, weight `(out, in, k, k)`.
#[derive(Debug, Clone)]
pub struct Conv2d(WeightBias);

impl Conv2d {
    fn init(
        rng: &mut Rng,
        input: usize,
        output: usize,
        kernel: usize,
    ) -> candle_core::Result<Self> {
        let shape = [output, input, kernel, kernel];
        let (weight, bias) = default_init(rng, &shape, input * kernel * kernel)?;
        Ok(Self(WeightBias { weight, bias }))
    }

    /// `AvgPool2d(2)(ReLU(conv(x)))` as one fused op (see [`crate::kernels`]).
    fn forward_relu_pool(&self, x: &Tensor, gradients: Gradients) -> candle_core::Result<Tensor> {
        conv3x3_relu_pool(x, &self.0.weight, &self.0.bias, gradients)
    }
}

/// `nn.BatchNorm1d(C)` on `(N, C)`: batch statistics and running-statistics
/// updates in train mode (momentum 0.1, unbiased running variance), running
/// statistics in eval mode.
#[derive(Debug, Clone)]
pub struct BatchNorm1d {
    affine: WeightBias,
    running_mean: Var,
    running_var: Var,
    num_batches_tracked: i64,
}

impl BatchNorm1d {
    fn new(channels: usize) -> candle_core::Result<Self> {
        let dev = &Device::Cpu;
        Ok(Self {
            affine: WeightBias {
                weight: Var::ones(channels, DType::F32, dev)?,
                bias: Var::zeros(channels, DType::F32, dev)?,
            },
            running_mean: Var::zeros(channels, DType::F32, dev)?,
            running_var: Var::ones(channels, DType::F32, dev)?,
            num_batches_tracked: 0,
        })
    }

    /// From the next five tensors of a state, in [`LayerKind::tensors`] order.
    fn from_state(tensors: &mut impl Iterator<Item = Tensor>) -> candle_core::Result<Self> {
        Ok(Self {
            affine: WeightBias::from_state(tensors)?,
            running_mean: Var::from_tensor(&next_tensor(tensors)?)?,
            running_var: Var::from_tensor(&next_tensor(tensors)?)?,
            num_batches_tracked: next_tensor(tensors)?.to_scalar::<i64>()?,
        })
    }

    fn forward(&mut self, x: &Tensor, train: bool) -> candle_core::Result<Tensor> {
        let (n, _) = x.dims2()?;
        let (mean, var) = if train {
            if n < 2 {
                candle_core::bail!(
                    "BatchNorm in train mode needs at least 2 samples per batch, got {n}"
                );
            }
            let mean = x.mean(0)?;
            let var = x.broadcast_sub(&mean)?.sqr()?.mean(0)?;
            let m = BN_MOMENTUM;
            let unbiased = (var.detach() * (n as f64 / (n as f64 - 1.0)))?;
            self.running_mean
                .set(&((self.running_mean.as_tensor() * (1.0 - m))? + (mean.detach() * m)?)?)?;
            self.running_var
                .set(&((self.running_var.as_tensor() * (1.0 - m))? + (unbiased * m)?)?)?;
            self.num_batches_tracked += 1;
            (mean, var)
        } else {
            (
                self.running_mean.as_tensor().clone(),
                self.running_var.as_tensor().clone(),
            )
        };
        let scale = ((var + BN_EPS)?.sqrt()?.recip()? * self.affine.weight.as_tensor())?;
        x.broadcast_sub(&mean)?
            .broadcast_mul(&scale)?
            .broadcast_add(&self.affine.bias)
    }

    fn vars(&self) -> [&Var; 2] {
        self.affine.vars()
    }

    /// Its tensors in [`LayerKind::tensors`] order.
    fn state(&self, out: &mut Vec<Tensor>) -> candle_core::Result<()> {
        self.affine.state(out);
        out.push(self.running_mean.as_tensor().clone());
        out.push(self.running_var.as_tensor().clone());
        out.push(Tensor::new(self.num_batches_tracked, &Device::Cpu)?);
        Ok(())
    }
}

/// Inverted dropout with a mask drawn from our RNG; identity in eval mode.
fn dropout(x: &Tensor, mode: &mut Mode) -> candle_core::Result<Tensor> {
    match mode {
        Mode::Eval => Ok(x.clone()),
        #[cfg(not(feature = "training"))]
        Mode::Never(never, _) => match *never {},
        #[cfg(feature = "training")]
        Mode::Train { dropout } => {
            let keep = 1.0 - DROPOUT;
            let scale = 1.0 / keep;
            let mask: Vec<f32> = (0..x.elem_count())
                .map(|_| {
                    if dropout.next_f32() < keep {
                        scale
                    } else {
                        0.0
                    }
                })
                .collect();
            x.mul(&Tensor::from_vec(mask, x.shape(), x.device())?)
        }
    }
}

/// The conv subnet: one 14×14 image → 10 digit logits.
#[derive(Debug, Clone)]
pub struct ConvSubnet {
    pub(crate) conv1: Conv2d,
    pub(crate) conv2: Conv2d,
    pub(crate) fc1: Linear,
    pub(crate) bn: BatchNorm1d,
    pub(crate) fc2: Linear,
}

impl ConvSubnet {
    /// Its layers in `state_dict` order, each under its index in PyTorch's
    /// `nn.Sequential`: the order of [`ConvSubnet::state`] and [`ConvSubnet::from_state`].
    const LAYERS: [(&'static str, LayerKind); 5] = [
        (
            "0",
            LayerKind::Conv2d {
                input: 1,
                output: 16,
            },
        ),
        (
            "3",
            LayerKind::Conv2d {
                input: 16,
                output: 32,
            },
        ),
        (
            "7",
            LayerKind::Linear {
                input: 128,
                output: 32,
            },
        ),
        ("8", LayerKind::BatchNorm1d { channels: 32 }),
        (
            "10",
            LayerKind::Linear {
                input: 32,
                output: DIGITS,
            },
        ),
    ];

    fn init(rng: &mut Rng) -> candle_core::Result<Self> {
        Ok(Self {
            conv1: Conv2d::init(rng, 1, 16, 3)?,
            conv2: Conv2d::init(rng, 16, 32, 3)?,
            fc1: Linear::init(rng, 128, 32)?,
            bn: BatchNorm1d::new(32)?,
            fc2: Linear::init(rng, 32, DIGITS)?,
        })
    }

    /// Conv layers and the first linear layer: `(B, 1, 14, 14)` → `(B, 32)`.
    /// No batch interaction here, so both images of a pair may go through at once.
    /// In train mode the conv layers keep what their backward pass needs.
    fn features(&self, x: &Tensor, train: bool) -> candle_core::Result<Tensor> {
        let (first, second) = if train {
            (Gradients::Weights, Gradients::WeightsAndInput)
        } else {
            (Gradients::None, Gradients::None)
        };
        let x = self.conv1.forward_relu_pool(x, first)?;
        let x = self.conv2.forward_relu_pool(&x, second)?;
        let x = x.flatten_from(1)?;
        if train {
            self.fc1.forward(&x)
        } else {
            // Eval mode: BatchNorm folded into fc1 (classify then skips it).
            FoldedLinear::new(&self.fc1, &self.bn)?.forward(&x)
        }
    }

    /// BatchNorm, dropout and the last linear layer: `(B, 32)` → `(B, 10)`.
    /// In eval mode `features` has been through BatchNorm already (see `features`).
    fn classify(&mut self, features: &Tensor, mode: &mut Mode) -> candle_core::Result<Tensor> {
        let x = if mode.is_train() {
            let x = self.bn.forward(features, true)?;
            dropout(&x, mode)?
        } else {
            features.clone()
        };
        self.fc2.forward(&x)
    }

    fn forward(&mut self, x: &Tensor, mode: &mut Mode) -> candle_core::Result<Tensor> {
        let features = self.features(x, mode.is_train())?;
        self.classify(&features, mode)
    }

    /// Both images through this one subnet. The conv part runs as one batch of
    /// `2B`; BatchNorm sees each image's batch on its own, as PyTorch's
    /// `subnet(a), subnet(b)` does, so training statistics are unchanged.
    fn forward_both(
        &mut self,
        a: &Tensor,
        b: &Tensor,
        mode: &mut Mode,
    ) -> candle_core::Result<(Tensor, Tensor)> {
        let batch = a.dim(0)?;
        let features = self.features(&Tensor::cat(&[a, b], 0)?, mode.is_train())?;
        if mode.is_train() {
            let ya = self.classify(&features.narrow(0, 0, batch)?, mode)?;
            let yb = self.classify(&features.narrow(0, batch, batch)?, mode)?;
            Ok((ya, yb))
        } else {
            let y = self.classify(&features, mode)?;
            Ok((y.narrow(0, 0, batch)?, y.narrow(0, batch, batch)?))
        }
    }

    fn vars(&self) -> Vec<&Var> {
        let mut v = Vec::with_capacity(10);
        v.extend(self.conv1.0.vars());
        v.extend(self.conv2.0.vars());
        v.extend(self.fc1.0.vars());
        v.extend(self.bn.vars());
        v.extend(self.fc2.0.vars());
        v
    }

    /// Its tensors, layer by layer in [`ConvSubnet::LAYERS`] order.
    fn state(&self, out: &mut Vec<Tensor>) -> candle_core::Result<()> {
        self.conv1.0.state(out);
        self.conv2.0.state(out);
        self.fc1.0.state(out);
        self.bn.state(out)?;
        self.fc2.0.state(out);
        Ok(())
    }

    /// From the next tensors of a state, layer by layer in [`ConvSubnet::LAYERS`] order.
    fn from_state(tensors: &mut impl Iterator<Item = Tensor>) -> candle_core::Result<Self> {
        Ok(Self {
            conv1: Conv2d(WeightBias::from_state(tensors)?),
            conv2: Conv2d(WeightBias::from_state(tensors)?),
            fc1: Linear(WeightBias::from_state(tensors)?),
            bn: BatchNorm1d::from_state(tensors)?,
            fc2: Linear(WeightBias::from_state(tensors)?),
        })
    }
}

/// The head: two 10-vectors → 2 logits.
#[derive(Debug, Clone)]
pub struct Head {
    pub(crate) fc1: Linear,
    pub(crate) bn: BatchNorm1d,
    pub(crate) fc2: Linear,
}

impl Head {
    /// Its layers in `state_dict` order, each under its index in PyTorch's
    /// `nn.Sequential`: the order of [`Head::state`] and [`Head::from_state`].
    const LAYERS: [(&'static str, LayerKind); 3] = [
        (
            "1",
            LayerKind::Linear {
                input: 2 * DIGITS,
                output: 10,
            },
        ),
        ("2", LayerKind::BatchNorm1d { channels: 10 }),
        (
            "5",
            LayerKind::Linear {
                input: 10,
                output: 2,
            },
        ),
    ];

    fn init(rng: &mut Rng) -> candle_core::Result<Self> {
        Ok(Self {
            fc1: Linear::init(rng, 2 * DIGITS, 10)?,
            bn: BatchNorm1d::new(10)?,
            fc2: Linear::init(rng, 10, 2)?,
        })
    }

    fn forward(
        &mut self,
        ya: &Tensor,
        yb: &Tensor,
        mode: &mut Mode,
    ) -> candle_core::Result<Tensor> {
        let x = Tensor::cat(&[ya, yb], 1)?.relu()?;
        let x = if mode.is_train() {
            let x = self.fc1.forward(&x)?;
            let x = self.bn.forward(&x, true)?.relu()?;
            dropout(&x, mode)?
        } else {
            FoldedLinear::new(&self.fc1, &self.bn)?
                .forward(&x)?
                .relu()?
        };
        self.fc2.forward(&x)
    }

    fn vars(&self) -> Vec<&Var> {
        let mut v = Vec::with_capacity(6);
        v.extend(self.fc1.0.vars());
        v.extend(self.bn.vars());
        v.extend(self.fc2.0.vars());
        v
    }

    /// Its tensors, layer by layer in [`Head::LAYERS`] order.
    fn state(&self, out: &mut Vec<Tensor>) -> candle_core::Result<()> {
        self.fc1.0.state(out);
        self.bn.state(out)?;
        self.fc2.0.state(out);
        Ok(())
    }

    /// From the next tensors of a state, layer by layer in [`Head::LAYERS`] order.
    fn from_state(tensors: &mut impl Iterator<Item = Tensor>) -> candle_core::Result<Self> {
        Ok(Self {
            fc1: Linear(WeightBias::from_state(tensors)?),
            bn: BatchNorm1d::from_state(tensors)?,
            fc2: Linear(WeightBias::from_state(tensors)?),
        })
    }
}

/// One subnet for both images, or one per image.
#[derive(Debug, Clone)]
pub enum Subnets {
    Shared(ConvSubnet),
    Separate(ConvSubnet, ConvSubnet),
}

/// The whole TwinNet with its configuration and input normalisation.
#[derive(Debug, Clone)]
pub struct TwinNet {
    pub(crate) config: ModelConfig,
    pub(crate) normalization: Normalization,
    pub(crate) subnets: Subnets,
    pub(crate) head: Head,
}

impl TwinNet {
    /// A freshly initialised network (PyTorch's default init, from `rng`).
    pub fn new(
        config: ModelConfig,
        normalization: Normalization,
        rng: &mut Rng,
    ) -> candle_core::Result<Self> {
        let subnets = if config.share {
            Subnets::Shared(ConvSubnet::init(rng)?)
        } else {
            Subnets::Separate(ConvSubnet::init(rng)?, ConvSubnet::init(rng)?)
        };
        let head = Head::init(rng)?;
        Ok(Self {
            config,
            normalization,
            subnets,
            head,
        })
    }

    pub fn config(&self) -> ModelConfig {
        self.config
    }

    pub fn normalization(&self) -> Normalization {
        self.normalization
    }

    /// Forward pass on normalised inputs `a`, `b` of shape `(B, 1, 14, 14)`.
    /// Train mode updates the BatchNorm running statistics.
    pub fn forward(
        &mut self,
        a: &Tensor,
        b: &Tensor,
        mode: &mut Mode,
    ) -> candle_core::Result<Outputs> {
        let (digit_a, digit_b) = match &mut self.subnets {
            Subnets::Shared(net) => net.forward_both(a, b, mode)?,
            Subnets::Separate(net_a, net_b) => (net_a.forward(a, mode)?, net_b.forward(b, mode)?),
        };
        let pair = self.head.forward(&digit_a, &digit_b, mode)?;
        Ok(Outputs {
            pair,
            digit_a,
            digit_b,
        })
    }

    /// Eval-mode forward pass (running statistics, no dropout); leaves the model unchanged.
    pub fn eval(&self, a: &Tensor, b: &Tensor) -> candle_core::Result<Outputs> {
        // Eval mode mutates nothing; the clone shares the parameter storage.
        self.clone().forward(a, b, &mut Mode::Eval)
    }

    /// The trainable parameters (BatchNorm running statistics excluded).
    pub fn trainable_vars(&self) -> Vec<Var> {
        let mut vars: Vec<&Var> = match &self.subnets {
            Subnets::Shared(net) => net.vars(),
            Subnets::Separate(a, b) => {
                let mut v = a.vars();
                v.extend(b.vars());
                v
            }
        };
        vars.extend(self.head.vars());
        vars.into_iter().cloned().collect()
    }

    /// Number of trainable parameters.
    pub fn parameter_count(&self) -> usize {
        self.trainable_vars().iter().map(|v| v.elem_count()).sum()
    }

    /// The model's state in PyTorch `state_dict` names and order (`state_layout`).
    pub fn state(&self) -> candle_core::Result<Vec<NamedTensor>> {
        let mut tensors = Vec::with_capacity(35);
        let share = match &self.subnets {
            Subnets::Shared(net) => {
                net.state(&mut tensors)?;
                true
            }
            Subnets::Separate(a, b) => {
                a.state(&mut tensors)?;
                b.state(&mut tensors)?;
                false
            }
        };
        self.head.state(&mut tensors)?;
        let names = state_layout(share).into_iter().map(|(name, ..)| name);
        Ok(names.zip(tensors).collect())
    }

    /// A model from its state: `take` gives the tensor of each name of
    /// [`state_layout`]`(config.share)`, which must have the shape and type listed there.
    pub(crate) fn from_state<E: From<candle_core::Error>>(
        config: ModelConfig,
        normalization: Normalization,
        mut take: impl FnMut(&str) -> Result<Tensor, E>,
    ) -> Result<Self, E> {
        let tensors = state_layout(config.share)
            .iter()
            .map(|(name, ..)| take(name))
            .collect::<Result<Vec<_>, E>>()?;
        let mut tensors = tensors.into_iter();
        let subnets = if config.share {
            Subnets::Shared(ConvSubnet::from_state(&mut tensors)?)
        } else {
            Subnets::Separate(
                ConvSubnet::from_state(&mut tensors)?,
                ConvSubnet::from_state(&mut tensors)?,
            )
        };
        let head = Head::from_state(&mut tensors)?;
        Ok(Self {
            config,
            normalization,
            subnets,
            head,
        })
    }
}

/// Softmax over the last dimension.
pub fn softmax(logits: &Tensor) -> candle_core::Result<Tensor> {
    candle_nn::ops::softmax_last_dim(logits)
}

/// [`softmax`] of one row of logits, on plain values as it computes them (the largest
/// logit subtracted, then exp and normalise). One pair's prediction needs no more, and
/// candle's op would bring its thread pool into the page's predictor module.
pub fn softmax_row(logits: &[f32]) -> Vec<f32> {
    let max = logits.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let exps: Vec<f32> = logits.iter().map(|&l| (l - max).exp()).collect();
    let total: f32 = exps.iter().sum();
    exps.into_iter().map(|e| e / total).collect()
}

/// The probabilistic readout: P(first ≤ second) = Σ_{i ≤ j} p_a(i)·p_b(j)
/// from the two digit softmaxes `(B, 10)`, as a `(B,)` tensor.
pub fn readout(probs_a: &Tensor, probs_b: &Tensor) -> candle_core::Result<Tensor> {
    // tail_b[i] = Σ_{j ≥ i} p_b(j) = (p_b · L)[i] with L[j][i] = 1 when j ≥ i.
    let lower: Vec<f32> = (0..DIGITS * DIGITS)
        .map(|k| if k / DIGITS >= k % DIGITS { 1.0 } else { 0.0 })
        .collect();
    let lower = Tensor::from_vec(lower, (DIGITS, DIGITS), probs_b.device())?;
    let tail_b = probs_b.matmul(&lower)?;
    (probs_a * tail_b)?.sum(D::Minus1)
}

/// [`readout`] on plain probability vectors.
pub fn readout_probs(probs_a: &[f32; DIGITS], probs_b: &[f32; DIGITS]) -> f32 {
    let mut tail = 0.0f32;
    let mut p = 0.0f32;
    for i in (0..DIGITS).rev() {
        tail += probs_b[i];
        p += probs_a[i] * tail;
    }
    p
}

/// The readout's log-odds, ln(P(first ≤ second) / P(first > second)), in f64 from the two
/// digits' probabilities: P(≤) = Σ_i p_a(i) Σ_{j≥i} p_b(j) and P(>) = Σ_i p_a(i) Σ_{j<i} p_b(j)
/// are each summed on their own, so that neither is lost as 1 − the other when the readout
/// is sure (what the evidence maps rank).
pub fn readout_log_odds(probs_a: &[f64; DIGITS], probs_b: &[f64; DIGITS]) -> f64 {
    let (mut p_le, mut p_gt, mut below) = (0f64, 0f64, 0f64);
    for i in 0..DIGITS {
        p_gt += probs_a[i] * below;
        below += probs_b[i];
    }
    let mut tail = 0f64;
    for i in (0..DIGITS).rev() {
        tail += probs_b[i];
        p_le += probs_a[i] * tail;
    }
    p_le.max(f64::MIN_POSITIVE).ln() - p_gt.max(f64::MIN_POSITIVE).ln()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn net(config: ModelConfig) -> TwinNet {
        let norm = Normalization {
            mean: 0.1,
            std: 0.3,
        };
        TwinNet::new(config, norm, &mut Rng::new(1)).unwrap()
    }

    #[test]
    fn the_readouts_log_odds_are_those_of_its_probability() {
        let pa = [0.05, 0.1, 0.2, 0.05, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1];
        let pb = [0.1, 0.05, 0.05, 0.2, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1];
        let p = readout_probs(&pa.map(|x| x as f32), &pb.map(|x| x as f32)) as f64;
        let expected = (p / (1.0 - p)).ln();
        assert!((readout_log_odds(&pa, &pb) - expected).abs() < 1e-5);
        // Sure: a 0 against a 9 at 1 − 1e-12 each, where f32's 1 − P(≤) is 0.
        let mut zero = [1e-13; DIGITS];
        zero[0] = 1.0 - 9e-13;
        let mut nine = [1e-13; DIGITS];
        nine[9] = 1.0 - 9e-13;
        assert!(readout_log_odds(&zero, &nine) > 20.0);
        assert!(readout_log_odds(&nine, &zero) < -20.0);
    }

    #[test]
    fn parameter_counts_match_the_publication() {
        for config in ModelConfig::ALL {
            assert_eq!(net(config).parameter_count(), config.parameter_count());
        }
        assert_eq!(ModelConfig::SHARE_AUX.parameter_count(), 9_322 + 252);
        assert_eq!(
            ModelConfig {
                share: false,
                aux: true
            }
            .parameter_count(),
            2 * 9_322 + 252
        );
    }

    #[test]
    fn output_shapes_in_both_modes() {
        for config in ModelConfig::ALL {
            let a = Tensor::ones((5, 1, 14, 14), DType::F32, &Device::Cpu).unwrap();
            let b = Tensor::zeros((5, 1, 14, 14), DType::F32, &Device::Cpu).unwrap();
            #[cfg(feature = "training")]
            {
                let mut rng = Rng::new(2);
                let out = net(config)
                    .forward(&a, &b, &mut Mode::Train { dropout: &mut rng })
                    .unwrap();
                assert_eq!(out.pair.dims(), &[5, 2]);
                assert_eq!(out.digit_a.dims(), &[5, 10]);
            }
            let out = net(config).eval(&a, &b).unwrap();
            assert_eq!(out.pair.dims(), &[5, 2]);
            assert_eq!(out.digit_a.dims(), &[5, 10]);
            assert_eq!(out.digit_b.dims(), &[5, 10]);
        }
    }

    #[test]
    fn state_names_follow_pytorch() {
        let names: Vec<String> = net(ModelConfig::SHARE_AUX)
            .state()
            .unwrap()
            .into_iter()
            .map(|(n, _)| n)
            .collect();
        assert_eq!(names.len(), 22);
        assert_eq!(names[0], "subnet.0.weight");
        assert!(names.contains(&"subnet.8.num_batches_tracked".to_string()));
        assert!(names.contains(&"head.5.bias".to_string()));
        let unshared = net(ModelConfig {
            share: false,
            aux: false,
        })
        .state()
        .unwrap();
        assert_eq!(unshared.len(), 35);
        assert_eq!(unshared[0].0, "subnet1.0.weight");
    }

    #[test]
    fn batchnorm_matches_pytorch_semantics() {
        let mut bn = BatchNorm1d::new(2).unwrap();
        let x = Tensor::new(&[[1f32, 10.], [3., 20.], [5., 60.]], &Device::Cpu).unwrap();
        let y = bn.forward(&x, true).unwrap().to_vec2::<f32>().unwrap();
        // column 0: mean 3, biased var 8/3
        let s = (8.0f32 / 3.0 + 1e-5).sqrt();
        assert!((y[0][0] - (-2.0 / s)).abs() < 1e-5);
        assert!((y[2][0] - (2.0 / s)).abs() < 1e-5);
        let rm = bn.running_mean.as_tensor().to_vec1::<f32>().unwrap();
        let rv = bn.running_var.as_tensor().to_vec1::<f32>().unwrap();
        assert!((rm[0] - 0.3).abs() < 1e-6 && (rm[1] - 3.0).abs() < 1e-5);
        // unbiased var of column 0 is 4: 0.9 * 1 + 0.1 * 4
        assert!((rv[0] - 1.3).abs() < 1e-6);
        assert_eq!(bn.num_batches_tracked, 1);
        let e = bn.forward(&x, false).unwrap().to_vec2::<f32>().unwrap();
        assert!((e[0][0] - (1.0 - 0.3) / (1.3f32 + 1e-5).sqrt()).abs() < 1e-5);
        assert!(bn.forward(&x.narrow(0, 0, 1).unwrap(), true).is_err());
    }

    #[test]
    fn readout_sums_the_upper_triangle() {
        let mut a = [0.0f32; 10];
        let mut b = [0.0f32; 10];
        a[3] = 1.0;
        b[8] = 1.0;
        assert_eq!(readout_probs(&a, &b), 1.0);
        assert_eq!(readout_probs(&b, &a), 0.0);
        let u = [0.1f32; 10];
        // 55 of 100 equally likely (i, j) have i ≤ j
        assert!((readout_probs(&u, &u) - 0.55).abs() < 1e-6);
        let ta = Tensor::new(&[u, a], &Device::Cpu).unwrap();
        let tb = Tensor::new(&[u, b], &Device::Cpu).unwrap();
        let p = readout(&ta, &tb).unwrap().to_vec1::<f32>().unwrap();
        assert!((p[0] - 0.55).abs() < 1e-6 && (p[1] - 1.0).abs() < 1e-6);
    }

    #[cfg(feature = "training")]
    #[test]
    fn eval_leaves_running_stats_alone_and_train_changes_them() {
        let mut model = net(ModelConfig::SHARE_AUX);
        let a = Tensor::ones((4, 1, 14, 14), DType::F32, &Device::Cpu).unwrap();
        let before = model.state().unwrap()[8].1.to_vec1::<f32>().unwrap();
        model.eval(&a, &a).unwrap();
        assert_eq!(
            model.state().unwrap()[8].1.to_vec1::<f32>().unwrap(),
            before
        );
        let mut rng = Rng::new(0);
        model
            .forward(&a, &a, &mut Mode::Train { dropout: &mut rng })
            .unwrap();
        assert_ne!(
            model.state().unwrap()[8].1.to_vec1::<f32>().unwrap(),
            before
        );
    }

    #[test]
    fn softmax_row_is_softmax() {
        let rows = [
            vec![0.0f32; 10],
            vec![1.0, -2.0, 3.5, 0.25, -7.0, 12.0, 4.0, -0.5, 2.0, 9.0],
            vec![80.0, -80.0, 79.0, 0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0],
            vec![-3.0, 3.0],
        ];
        for row in rows {
            let tensor = Tensor::from_vec(row.clone(), (1, row.len()), &Device::Cpu).unwrap();
            let want = softmax(&tensor)
                .unwrap()
                .flatten_all()
                .unwrap()
                .to_vec1::<f32>()
                .unwrap();
            let got = softmax_row(&row);
            for (g, w) in got.iter().zip(&want) {
                assert!((g - w).abs() <= 1e-7, "{row:?}: {got:?} vs {want:?}");
            }
        }
    }
}
