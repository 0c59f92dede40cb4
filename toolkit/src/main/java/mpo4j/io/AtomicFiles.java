package mpo4j.io;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Comparator;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Stream;

/**
 * Writes files and whole directories so that a reader never sees them half-written: the content goes
 * to a hidden temporary sibling ({@code .name.tmp-…}), is flushed to disk, and is then renamed over
 * the target in one atomic step (the parent directory is synced too, so the rename survives a crash).
 *
 * <p>Modes are the usual ones: a new file is created without explicit permissions, so the process
 * umask applies to {@code 0666} (typically {@code 0644}), and a new directory to {@code 0777}
 * (typically {@code 0755}). {@code Files.createTempFile}/{@code createTempDirectory}, which this
 * replaces, create {@code 0600}/{@code 0700}, and a rename keeps that mode: run outputs ended up
 * unreadable by the group and other users.
 */
public final class AtomicFiles {
    private AtomicFiles() {}

    /** A step that writes to a stream or fills a folder and may fail with an {@link IOException}. */
    @FunctionalInterface
    public interface IoConsumer<T> {
        /** Does the step with {@code target}. */
        void accept(T target) throws IOException;
    }

    /** Writes {@code text} as UTF-8 to {@code file}, atomically. */
    public static void writeString(Path file, CharSequence text) throws IOException {
        write(file, text.toString().getBytes(StandardCharsets.UTF_8));
    }

    /** Writes {@code bytes} to {@code file}, atomically. */
    public static void write(Path file, byte[] bytes) throws IOException {
        write(file, out -> out.write(bytes));
    }

    /**
     * Writes whatever {@code body} writes to the stream to {@code file}, atomically: on any failure
     * the temporary file is deleted and {@code file} keeps its old content (or stays absent). The
     * parent folder is created when missing. Do not close the stream in {@code body}.
     */
    public static void write(Path file, IoConsumer<OutputStream> body) throws IOException {
        Path target = file.toAbsolutePath();
        Path parent = target.getParent();
        Files.createDirectories(parent);
        Path temp = createSibling(target, false);
        try {
            try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.WRITE)) {
                OutputStream out = Channels.newOutputStream(channel);
                body.accept(out);
                out.flush();
                channel.force(true);
            }
            move(temp, target);
        } catch (IOException | RuntimeException | Error e) {
            Files.deleteIfExists(temp);
            throw e;
        }
        syncDirectory(parent);
    }

    /**
     * Builds a directory atomically: {@code fill} writes into a fresh temporary sibling folder, every
     * file in it is flushed to disk, and the folder is renamed to {@code dir}. An existing {@code dir}
     * is first renamed aside and deleted once the new one is in place (two renames: a crash between
     * them leaves the old folder under a hidden {@code .name.old-…} name, never a mix of both, and the
     * next {@link #recover} — which this method and readers call first — renames it back).
     */
    public static void writeDirectory(Path dir, IoConsumer<Path> fill) throws IOException {
        Path target = dir.toAbsolutePath();
        Path parent = target.getParent();
        Files.createDirectories(parent);
        recover(target);
        Path temp = createSibling(target, true);
        try {
            fill.accept(temp);
            syncTree(temp);
            Path old = null;
            if (Files.exists(target)) {
                old = parent.resolve("." + target.getFileName() + ".old-" + Long.toHexString(ThreadLocalRandom.current().nextLong()));
                Files.move(target, old, StandardCopyOption.ATOMIC_MOVE);
            }
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
            syncDirectory(parent);
            if (old != null) {
                deleteTree(old);
            }
        } catch (IOException | RuntimeException | Error e) {
            deleteTree(temp);
            throw e;
        }
    }

    /**
     * Undoes what a crash (even {@code kill -9}) during a write of {@code target} left behind: if
     * {@code target} is missing but a complete old version waits under its hidden {@code .name.old-…}
     * name (the crash fell between the two renames of {@link #writeDirectory}), it is renamed back;
     * then every hidden temporary of {@code target} ({@code .name.tmp-…}, {@code .name.old-…}) is
     * deleted. After it, {@code target} is exactly the last complete write, or absent if there was none.
     */
    public static void recover(Path target) throws IOException {
        Path abs = target.toAbsolutePath();
        Path parent = abs.getParent();
        if (!Files.isDirectory(parent)) {
            return;
        }
        String name = abs.getFileName().toString();
        java.util.List<Path> leftovers;
        try (Stream<Path> children = Files.list(parent)) {
            leftovers = children.filter(p -> isTemporaryOf(p.getFileName().toString(), name)).sorted().toList();
        }
        if (!Files.exists(abs, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            for (Path p : leftovers) {
                if (p.getFileName().toString().startsWith("." + name + ".old-")) {
                    Files.move(p, abs, StandardCopyOption.ATOMIC_MOVE);   // at most one: recovery runs before every write
                    syncDirectory(parent);
                    break;
                }
            }
        }
        for (Path p : leftovers) {
            deleteTree(p);
        }
    }

    /**
     * Deletes every stale temporary in {@code folder} (after {@link #recover recovering} the entries they
     * belong to): the hidden {@code .name.tmp-…}/{@code .name.old-…} siblings this class creates, the
     * {@code *.tmp} files and {@code .checkpoint-N-…} folders earlier versions of the toolkit left. Call it
     * only on a folder no other writer is using at the same time.
     */
    public static void removeTemporaries(Path folder) throws IOException {
        if (!Files.isDirectory(folder)) {
            return;
        }
        java.util.List<Path> children;
        try (Stream<Path> s = Files.list(folder)) {
            children = s.sorted().toList();
        }
        java.util.Set<String> owners = new java.util.TreeSet<>();
        for (Path p : children) {
            java.util.regex.Matcher m = OURS.matcher(p.getFileName().toString());
            if (m.matches()) {
                owners.add(m.group(1));
            }
        }
        for (String owner : owners) {
            recover(folder.resolve(owner));
        }
        for (Path p : children) {
            String n = p.getFileName().toString();
            if (LEGACY.matcher(n).matches() && Files.exists(p)) {
                deleteTree(p);
            }
        }
    }

    /**
     * Deletes a directory tree so that no reader ever sees it half-deleted: it is first renamed to a
     * hidden {@code .name.old-…} sibling (one atomic step), then deleted.
     */
    public static void deleteDirectory(Path dir) throws IOException {
        Path target = dir.toAbsolutePath();
        if (!Files.exists(target)) {
            return;
        }
        Path aside = target.resolveSibling("." + target.getFileName() + ".old-" + Long.toHexString(ThreadLocalRandom.current().nextLong()));
        Files.move(target, aside, StandardCopyOption.ATOMIC_MOVE);
        syncDirectory(target.getParent());
        deleteTree(aside);
    }

    /** True for a name this class gives a temporary of {@code name}. */
    private static boolean isTemporaryOf(String candidate, String name) {
        return candidate.startsWith("." + name + ".tmp-") || candidate.startsWith("." + name + ".old-");
    }

    /** {@code .name.tmp-hex} / {@code .name.old-hex}; group 1 is the name. */
    private static final java.util.regex.Pattern OURS = java.util.regex.Pattern.compile("\\.(.+)\\.(?:tmp|old)-[0-9a-f]+");

    /** Temporaries of earlier writers: {@code Files.createTempFile(dir, ".x", ".tmp")}, {@code .checkpoint-N-<digits>}, {@code .x.reward-tmp-<nanos>}. */
    private static final java.util.regex.Pattern LEGACY = java.util.regex.Pattern.compile(
            "\\..*\\.tmp|\\.checkpoint-\\d+-\\d+|\\..+\\.reward-tmp-\\d+");

    /** A new, empty hidden sibling of {@code target}, created with the default (umask) permissions. */
    private static Path createSibling(Path target, boolean directory) throws IOException {
        for (int attempt = 0; ; attempt++) {
            Path temp = target.resolveSibling("." + target.getFileName() + ".tmp-" + Long.toHexString(ThreadLocalRandom.current().nextLong()));
            try {
                return directory ? Files.createDirectory(temp) : Files.createFile(temp);
            } catch (FileAlreadyExistsException e) {
                if (attempt >= 100) throw e;
            }
        }
    }

    private static void move(Path temp, Path target) throws IOException {
        try {
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            throw new IOException("cannot replace " + target + " atomically on this file system (" + e.getMessage() + ")", e);
        }
    }

    /** Flushes every regular file under {@code dir} to disk, then the folders themselves. */
    private static void syncTree(Path dir) throws IOException {
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) paths::iterator) {
                if (Files.isRegularFile(p)) {
                    try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ)) {
                        ch.force(true);
                    }
                } else if (Files.isDirectory(p)) {
                    syncDirectory(p);
                }
            }
        }
    }

    /** Makes a rename or a new entry in {@code dir} durable; a no-op where folders cannot be opened (Windows). */
    private static void syncDirectory(Path dir) {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException | UnsupportedOperationException e) {
            // not supported on this platform: the data itself was already forced
        }
    }

    /** Best effort: a leftover hidden temporary folder must not hide the write's own outcome or error. */
    private static void deleteTree(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) paths.sorted(Comparator.reverseOrder())::iterator) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            // left behind under a hidden name; the next write uses a fresh one
        }
    }
}
