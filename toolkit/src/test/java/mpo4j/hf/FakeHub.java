package mpo4j.hf;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A Hugging Face hub on 127.0.0.1 serving one repo the way huggingface.co does: the revision API,
 * {@code resolve} URLs answering HEAD/GET (regular files with their git ETag, LFS files with a 302 to a
 * CDN path plus X-Linked-Etag = sha256 and X-Linked-Size), and a CDN honouring Range requests. It can
 * drop a connection mid-file, corrupt LFS bytes, or answer 404 for chosen files. Every request is logged.
 */
final class FakeHub implements AutoCloseable {
    static final String REPO = "org/tiny";
    static final String COMMIT = "0123456789abcdef0123456789abcdef01234567";

    final Map<String, byte[]> files = new LinkedHashMap<>();
    final Set<String> lfs = ConcurrentHashMap.newKeySet();
    final Set<String> missing = ConcurrentHashMap.newKeySet();
    final List<String> requests = Collections.synchronizedList(new ArrayList<>());
    final List<String> authorizations = Collections.synchronizedList(new ArrayList<>());
    volatile int dropsLeft;
    volatile boolean corrupt;
    private final HttpServer server;

    FakeHub() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", this::handle);
        server.start();
    }

    String endpoint() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    FakeHub file(String name, byte[] content, boolean isLfs) {
        files.put(name, content);
        if (isLfs) {
            lfs.add(name);
        }
        return this;
    }

    /** Requests for file contents or metadata (everything but the revision API). */
    List<String> fileRequests() {
        synchronized (requests) {
            return requests.stream().filter(r -> !r.contains("/api/")).toList();
        }
    }

    static String sha256(byte[] data) {
        return HexFormat.of().formatHex(digest("SHA-256", data));
    }

    /** Git's blob id: sha1 of "blob {size}\0" + content, the ETag the hub sends for regular files. */
    static String gitSha1(byte[] data) {
        byte[] head = ("blob " + data.length + "\0").getBytes(StandardCharsets.UTF_8);
        byte[] all = new byte[head.length + data.length];
        System.arraycopy(head, 0, all, 0, head.length);
        System.arraycopy(data, 0, all, head.length, data.length);
        return HexFormat.of().formatHex(digest("SHA-1", all));
    }

    private static byte[] digest(String algorithm, byte[] data) {
        try {
            return MessageDigest.getInstance(algorithm).digest(data);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private void handle(HttpExchange ex) throws IOException {
        String path = ex.getRequestURI().getRawPath();
        String range = ex.getRequestHeaders().getFirst("Range");
        requests.add(ex.getRequestMethod() + " " + path + (range == null ? "" : " " + range));
        authorizations.add(String.valueOf(ex.getRequestHeaders().getFirst("Authorization")));
        boolean head = ex.getRequestMethod().equals("HEAD");
        String resolve = "/" + REPO + "/resolve/";
        if (path.equals("/api/models/" + REPO + "/revision/main")) {
            StringBuilder json = new StringBuilder("{\"id\":\"" + REPO + "\",\"sha\":\"" + COMMIT + "\",\"siblings\":[");
            String sep = "";
            for (String f : files.keySet()) {
                json.append(sep).append("{\"rfilename\":\"").append(f).append("\"}");
                sep = ",";
            }
            for (String f : missing) {
                json.append(sep).append("{\"rfilename\":\"").append(f).append("\"}");
                sep = ",";
            }
            send(ex, 200, json.append("]}").toString().getBytes(StandardCharsets.UTF_8), false);
        } else if (path.startsWith(resolve)) {
            String rest = path.substring(resolve.length());
            String revision = rest.substring(0, rest.indexOf('/'));
            String name = rest.substring(rest.indexOf('/') + 1);
            byte[] content = files.get(name);
            if (!(revision.equals(COMMIT) || revision.equals("main")) || content == null) {
                ex.getResponseHeaders().add("X-Error-Code", "EntryNotFound");
                send(ex, 404, "Entry not found".getBytes(StandardCharsets.UTF_8), head);
                return;
            }
            ex.getResponseHeaders().add("X-Repo-Commit", COMMIT);
            if (lfs.contains(name)) {
                ex.getResponseHeaders().add("X-Linked-Etag", "\"" + sha256(content) + "\"");
                ex.getResponseHeaders().add("X-Linked-Size", String.valueOf(content.length));
                ex.getResponseHeaders().add("ETag", "\"" + gitSha1(("pointer " + name).getBytes(StandardCharsets.UTF_8)) + "\"");
                ex.getResponseHeaders().add("Location", "/cdn/" + sha256(content));
                send(ex, 302, new byte[0], true);
            } else {
                ex.getResponseHeaders().add("ETag", "\"" + gitSha1(content) + "\"");
                send(ex, 200, content, head);
            }
        } else if (path.startsWith("/cdn/")) {
            String sha = path.substring(5);
            byte[] content = files.entrySet().stream().filter(e -> sha256(e.getValue()).equals(sha)).map(Map.Entry::getValue)
                    .findFirst().orElse(null);
            if (content == null) {
                send(ex, 404, new byte[0], head);
                return;
            }
            if (corrupt) {
                content = content.clone();
                content[content.length / 3] ^= 1;
            }
            int from = range == null ? 0 : Integer.parseInt(range.substring("bytes=".length(), range.length() - 1));
            if (from > 0) {
                ex.getResponseHeaders().add("Content-Range", "bytes " + from + "-" + (content.length - 1) + "/" + content.length);
            }
            byte[] part = java.util.Arrays.copyOfRange(content, from, content.length);
            if (dropsLeft > 0 && from == 0) {
                dropsLeft--;
                ex.sendResponseHeaders(200, part.length);
                OutputStream out = ex.getResponseBody();
                out.write(part, 0, part.length / 2);
                out.flush();
                throw new IOException("fake hub drops the connection mid-file"); // the server closes the socket
            }
            send(ex, from > 0 ? 206 : 200, part, head);
        } else {
            send(ex, 404, new byte[0], head);
        }
    }

    private static void send(HttpExchange ex, int status, byte[] body, boolean noBody) throws IOException {
        if (noBody) {
            ex.sendResponseHeaders(status, -1);
        } else {
            ex.sendResponseHeaders(status, body.length);
            try (OutputStream out = ex.getResponseBody()) {
                out.write(body);
            }
        }
        ex.close();
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
