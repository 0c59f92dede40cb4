package mpo4j.hf;

import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;

/**
 * Read-only memory maps of file windows, released as soon as the caller is done (and direct scratch
 * buffers, freed the same way). A
 * {@link MappedByteBuffer} stays mapped until the garbage collector finds it, which would keep every
 * shard of a streamed checkpoint mapped at once; Java 17 has no public unmap, so this uses the JDK's
 * {@code sun.misc.Unsafe.invokeCleaner} (module jdk.unsupported, exported for exactly this) when it
 * is there, and otherwise falls back to the collector. Callers never touch a window after
 * {@link #release}.
 */
final class MappedWindows {
    /** A single mapping is limited to {@code Integer.MAX_VALUE} bytes by the ByteBuffer API. */
    static final long MAX_WINDOW = Integer.MAX_VALUE;

    private static final Object UNSAFE;
    private static final Method INVOKE_CLEANER;

    static {
        Object unsafe = null;
        Method invokeCleaner = null;
        try {
            Class<?> type = Class.forName("sun.misc.Unsafe");
            Field field = type.getDeclaredField("theUnsafe");
            field.setAccessible(true);
            unsafe = field.get(null);
            invokeCleaner = type.getMethod("invokeCleaner", ByteBuffer.class);
        } catch (ReflectiveOperationException | RuntimeException e) {
            unsafe = null;
            invokeCleaner = null;
        }
        UNSAFE = unsafe;
        INVOKE_CLEANER = invokeCleaner;
    }

    private MappedWindows() {}

    /** Maps {@code length} bytes (at most {@link #MAX_WINDOW}) from {@code position}, little-endian. */
    static MappedByteBuffer map(FileChannel channel, long position, long length) throws IOException {
        if (length > MAX_WINDOW) {
            throw new IllegalArgumentException("window of " + length + " bytes exceeds the 2 GiB mapping limit");
        }
        MappedByteBuffer window = channel.map(FileChannel.MapMode.READ_ONLY, position, length);
        window.order(ByteOrder.LITTLE_ENDIAN);
        return window;
    }

    /**
     * Unmaps {@code buffer} (or frees a direct buffer's memory) now if the JDK allows it; the buffer
     * must not be used afterwards.
     */
    static void release(ByteBuffer buffer) {
        if (INVOKE_CLEANER == null || buffer == null || !buffer.isDirect()) {
            return;
        }
        try {
            INVOKE_CLEANER.invoke(UNSAFE, buffer);
        } catch (ReflectiveOperationException | RuntimeException e) {
            // leave it to the garbage collector
        }
    }
}
