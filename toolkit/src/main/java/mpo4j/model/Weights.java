package mpo4j.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Creates the model's parameters under their Hugging Face names. Layers ask for a parameter by its
 * local name; where the values come from (a seeded initialiser, a checkpoint, another model) is the
 * {@link Source}'s business, so one construction path serves build, load and copy.
 */
final class Weights {

    /** How a freshly initialised parameter starts. */
    enum Init { NORMAL, ZEROS, ONES }

    /** Supplies the values of one named parameter. */
    interface Source {
        NDArray create(String name, Shape shape, Init init, NDManager manager);
    }

    /** Standard deviation of the normal initialiser (Hugging Face's {@code initializer_range}). */
    static final double INIT_STD = 0.02;

    private final String prefix;
    private final Registry registry;

    private Weights(String prefix, Registry registry) {
        this.prefix = prefix;
        this.registry = registry;
    }

    static Weights root(Source source, NDManager manager, boolean trainable) {
        return new Weights("", new Registry(source, manager, trainable));
    }

    /** The weights of a child module, named {@code prefix.child.*}. */
    Weights at(String child) {
        return new Weights(prefix + child + ".", registry);
    }

    Parameter normal(String name, long... shape) { return create(name, Init.NORMAL, shape); }

    Parameter zeros(String name, long... shape) { return create(name, Init.ZEROS, shape); }

    Parameter ones(String name, long... shape) { return create(name, Init.ONES, shape); }

    Map<String, Parameter> all() { return registry.params; }

    /**
     * Records {@code linear} as the module this {@code Weights} names and returns that name
     * ({@code model.layers.0.self_attn.q_proj}); adapters find layers through {@link #linears()}.
     */
    String register(AdaptableLinear linear) {
        String name = prefix.endsWith(".") ? prefix.substring(0, prefix.length() - 1) : prefix;
        if (registry.linears.put(name, linear) != null) {
            throw new IllegalStateException("duplicate linear module name " + name);
        }
        return name;
    }

    /** Every linear layer created through this registry, by module name, in creation order (read-only). */
    Map<String, AdaptableLinear> linears() { return Collections.unmodifiableMap(registry.linears); }

    private Parameter create(String name, Init init, long... dims) {
        String full = prefix + name;
        Shape shape = new Shape(dims);
        NDArray array = registry.source.create(full, shape, init, registry.manager);
        if (!array.getShape().equals(shape)) {
            throw new IllegalArgumentException("parameter " + full + " has shape " + array.getShape() + ", expected " + shape);
        }
        array.setName(full);
        if (registry.trainable) {
            array.setRequiresGradient(true);
        }
        Parameter p = Parameter.builder().setName(full).setType(Parameter.Type.WEIGHT)
                .optShape(shape).optArray(array).optRequiresGrad(registry.trainable).build();
        if (registry.params.put(full, p) != null) {
            throw new IllegalStateException("duplicate parameter name " + full);
        }
        return p;
    }

    /**
     * Seeded initialisation. Each parameter draws from its own stream derived from the seed and its
     * name, so a parameter's initial value does not depend on which other parameters exist
     * (a text-only model starts with the same decoder as the full one).
     */
    static Source seeded(long seed) {
        return (name, shape, init, manager) -> {
            float[] values = new float[Math.toIntExact(shape.size())];
            switch (init) {
                case ONES -> java.util.Arrays.fill(values, 1f);
                case ZEROS -> { }
                case NORMAL -> {
                    SplittableRandom random = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + name.hashCode());
                    for (int i = 0; i < values.length; i++) {
                        values[i] = (float) (random.nextGaussian() * INIT_STD);
                    }
                }
            }
            return manager.create(values, shape);
        };
    }

    /** Takes values from existing arrays by name (copying them into the new model's memory). */
    static Source copyOf(Map<String, NDArray> arrays) {
        return (name, shape, init, manager) -> {
            NDArray from = arrays.get(name);
            if (from == null) {
                throw new IllegalArgumentException("missing parameter " + name);
            }
            return manager.create(from.toFloatArray(), from.getShape());
        };
    }

    private static final class Registry {
        final Source source;
        final NDManager manager;
        final boolean trainable;
        final Map<String, Parameter> params = new LinkedHashMap<>();
        final Map<String, AdaptableLinear> linears = new LinkedHashMap<>();

        Registry(Source source, NDManager manager, boolean trainable) {
            this.source = source;
            this.manager = manager;
            this.trainable = trainable;
        }
    }
}
