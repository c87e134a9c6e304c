"""Image encoder: a CNN whose final feature map becomes a sequence."""

import keras
from keras import ops

from keras_s2s.layers.encoder import Encoder

# keras.applications backbones the encoder knows how to preprocess for.
BACKBONES = {
    "MobileNetV2": "mobilenet_v2",
    "MobileNetV3Small": "mobilenet_v3",
    "MobileNetV3Large": "mobilenet_v3",
    "ResNet50": "resnet50",
    "ResNet50V2": "resnet_v2",
    "EfficientNetB0": "efficientnet",
    "EfficientNetV2B0": "efficientnet_v2",
    "InceptionV3": "inception_v3",
}


@keras.saving.register_keras_serializable(package="keras_s2s")
class ImageEncoder(Encoder):
    """Encodes images [batch, height, width, 3] into a sequence of features.

    The CNN's final feature map [batch, h, w, c] is flattened into h * w
    feature vectors. Two coordinate channels (x and y in [-1, 1], as in
    CoordConv) are appended to each vector before a projection to `units`,
    so attention can tell where a region is. Implements the `Encoder`
    interface: `outputs, state, mask = encoder(images, training=False)`,
    with `state` the mean feature vector and `mask` all True (images have no
    padding; a `mask` argument is ignored).

    `backbone="small_cnn"` (default) is a small CNN trained from scratch:
    for each entry of `filters`, two 3x3 ReLU convolutions and a 2x2 max pool.
    Any name in `BACKBONES` builds that `keras.applications` model without its
    top, with `backbone_weights` passed through (`None`: random, `"imagenet"`: the
    published weights, downloaded by Keras, or a path to a weights file) and
    its own input preprocessing applied in the graph.

    Args:
        units: int. Size of each output feature vector.
        backbone: str. `"small_cnn"` or a key of `BACKBONES`.
        backbone_weights: str or None. Weights of a `keras.applications`
            backbone.
        filters: tuple of int. Channels of the small CNN's stages.
        trainable_backbone: bool. Whether backbone weights are trained.
        dropout: float. Dropout on the features, only when `training=True`.
        image_size: int or None. The height and width the encoder reads
            (square images); None leaves it to the first call. Models built
            on a fixed size export and serve images resized to it.
        **kwargs: passed to `keras.layers.Layer`.

    Inputs are pixel values in [0, 255], float or uint8.

    Example:
    >>> encoder = ImageEncoder(units=32, filters=(8, 16))
    >>> outputs, state, mask = encoder(np.zeros((2, 32, 32, 3)))
    >>> outputs.shape
    (2, 64, 32)

    Reference: Xu, Ba, Kiros, Cho, Courville, Salakhutdinov, Zemel, Bengio.
    "Show, Attend and Tell", ICML 2015. Liu et al. "An Intriguing Failing of
    Convolutional Neural Networks and the CoordConv Solution", NeurIPS 2018.
    """

    def __init__(self, units=256, backbone="small_cnn", backbone_weights=None,
                 filters=(32, 64, 128), trainable_backbone=True, dropout=0.0,
                 image_size=None, **kwargs):
        super().__init__(**kwargs)
        if backbone != "small_cnn" and backbone not in BACKBONES:
            raise ValueError(
                f"ImageEncoder: unknown `backbone` {backbone!r}; valid "
                f"backbones are small_cnn, {', '.join(BACKBONES)}.")
        if backbone == "small_cnn" and backbone_weights is not None:
            raise ValueError(
                "ImageEncoder: `backbone_weights` applies to keras.applications "
                "backbones, not to backbone='small_cnn'.")
        if not isinstance(units, int) or units <= 0:
            raise ValueError(
                f"ImageEncoder: `units` must be a positive int, got {units!r}.")
        if image_size is not None and (not isinstance(image_size, int)
                                       or image_size <= 0):
            raise ValueError(f"ImageEncoder: `image_size` must be a positive "
                             f"int or None, got {image_size!r}.")
        self.units = units
        self.backbone = backbone
        self.backbone_weights = backbone_weights
        self.filters = tuple(filters)
        self.trainable_backbone = bool(trainable_backbone)
        self.dropout = dropout
        self.image_size = image_size
        self.output_dim = units

        policy = self.dtype_policy
        self.cnn = None
        if backbone == "small_cnn":
            cnn_layers = [keras.layers.Rescaling(1.0 / 255, dtype=policy)]
            for i, f in enumerate(self.filters):
                cnn_layers += [
                    keras.layers.Conv2D(f, 3, padding="same",
                                        activation="relu", dtype=policy,
                                        name=f"conv_{i}a"),
                    keras.layers.Conv2D(f, 3, padding="same",
                                        activation="relu", dtype=policy,
                                        name=f"conv_{i}b"),
                    keras.layers.MaxPooling2D(2, dtype=policy),
                ]
            self.cnn = keras.Sequential(cnn_layers, name="small_cnn")
        self.projection = keras.layers.Dense(
            units, activation="relu", name="projection", dtype=policy)
        self.dropout_layer = keras.layers.Dropout(dropout, dtype=policy)

    source_kind = "images"

    def build(self, images_shape):
        if len(images_shape) != 4 or images_shape[-1] != 3:
            raise ValueError(
                "ImageEncoder: `images` must be [batch, height, width, 3], "
                f"got shape {tuple(images_shape)}.")
        if self.image_size is not None and tuple(images_shape[1:3]) not in (
                (self.image_size, self.image_size), (None, None)):
            raise ValueError(
                f"ImageEncoder: built for {self.image_size}x{self.image_size} "
                f"images (`image_size`), got shape {tuple(images_shape)}.")
        if self.cnn is None:
            app = getattr(keras.applications, self.backbone)
            self.cnn = app(include_top=False, weights=self.backbone_weights,
                           input_shape=(images_shape[1], images_shape[2], 3))
            self.cnn.trainable = self.trainable_backbone
            module = getattr(keras.applications, BACKBONES[self.backbone])
            self._preprocess = module.preprocess_input
        else:
            self.cnn.build(images_shape)
            self._preprocess = None
        feature_dim = self.cnn.compute_output_shape(images_shape)[-1]
        self.projection.build((None, None, feature_dim + 2))

    def call(self, images, mask=None, training=False):
        x = ops.cast(images, self.compute_dtype)
        if self._preprocess is not None:
            x = self._preprocess(x)
        features = self.cnn(x, training=training)
        shape = ops.shape(features)
        h, w = shape[1], shape[2]
        ys = ops.linspace(-1.0, 1.0, h)
        xs = ops.linspace(-1.0, 1.0, w)
        grid_y = ops.broadcast_to(ops.expand_dims(ys, 1), (h, w))
        grid_x = ops.broadcast_to(ops.expand_dims(xs, 0), (h, w))
        coords = ops.cast(ops.stack([grid_x, grid_y], -1), features.dtype)
        coords = ops.broadcast_to(ops.expand_dims(coords, 0),
                                  (shape[0], h, w, 2))
        features = ops.concatenate([features, coords], axis=-1)
        features = ops.reshape(features, (shape[0], h * w, shape[3] + 2))
        outputs = self.projection(self.dropout_layer(features,
                                                     training=training))
        state = ops.mean(outputs, axis=1)
        mask = ops.ones((shape[0], h * w), dtype="bool")
        return outputs, state, mask

    def compute_output_shape(self, images_shape):
        batch = images_shape[0]
        return ((batch, None, self.units), (batch, self.units), (batch, None))

    def get_config(self):
        config = super().get_config()
        config.update({
            "units": self.units,
            "backbone": self.backbone,
            "backbone_weights": self.backbone_weights,
            "filters": list(self.filters),
            "trainable_backbone": self.trainable_backbone,
            "dropout": self.dropout,
            "image_size": self.image_size,
        })
        return config
