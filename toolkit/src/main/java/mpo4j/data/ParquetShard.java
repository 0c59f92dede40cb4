package mpo4j.data;

import java.nio.file.Path;
import java.sql.Array;
import java.sql.Blob;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/**
 * One Parquet file of a preference dataset: its columns, its row groups, and reading one row group's
 * cells. Text columns come back as JSON (DuckDB's {@code to_json}), so strings, message lists and
 * content-part lists go through the same TRL parsing as a JSONL line; image columns come back as the
 * {@code bytes} and {@code path} of each {@code {bytes, path}} cell.
 *
 * <p>Reading goes through an in-memory DuckDB (see {@link ParquetReader} for why DuckDB). One connection
 * serves the whole JVM; queries on it are serialised.
 */
final class ParquetShard {
    /** The columns TRL reads; any other column of the file is ignored (datasets often carry scores, ids, ...). */
    private static final List<String> TEXT_COLUMNS = List.of("prompt", "chosen", "rejected", "tools");

    private static Connection connection;

    final Path file;
    /** Column name → DuckDB type, in file order. */
    final Map<String, String> columns;
    /** Row number at which each row group starts, plus the row count at the end. */
    final long[] groupStarts;
    /** The image column read ({@code images} wins over {@code image}), or {@code null}. */
    final String imageColumn;

    private ParquetShard(Path file, Map<String, String> columns, long[] groupStarts) {
        this.file = file;
        this.columns = columns;
        this.groupStarts = groupStarts;
        this.imageColumn = columns.containsKey("images") ? "images" : columns.containsKey("image") ? "image" : null;
    }

    /** Reads a file's schema and row-group layout (its footer only), checking the columns TRL needs. */
    static ParquetShard open(Path file) {
        Source where = new Source(file.toString(), 0);
        Map<String, String> columns = new LinkedHashMap<>();
        List<Long> starts = new ArrayList<>(List.of(0L));
        synchronized (ParquetShard.class) {
            try (Statement st = connection().createStatement()) {
                try (ResultSet rs = st.executeQuery("DESCRIBE SELECT * FROM read_parquet(" + literal(file) + ")")) {
                    while (rs.next()) columns.put(rs.getString(1), rs.getString(2));
                }
                try (ResultSet rs = st.executeQuery("SELECT row_group_id, any_value(row_group_num_rows) FROM parquet_metadata("
                        + literal(file) + ") GROUP BY row_group_id ORDER BY row_group_id")) {
                    while (rs.next()) starts.add(starts.get(starts.size() - 1) + rs.getLong(2));
                }
            } catch (SQLException e) {
                throw new DatasetException(where, null, "not a readable Parquet file: " + firstLine(e.getMessage()), e);
            }
        }
        for (String required : List.of("chosen", "rejected")) {
            if (!columns.containsKey(required)) {
                throw new DatasetException(where, required, "missing column; the file has columns " + columns.keySet()
                        + " (TRL preference data needs chosen and rejected, and optionally prompt and images/image)");
            }
        }
        ParquetShard shard = new ParquetShard(file, columns, starts.stream().mapToLong(Long::longValue).toArray());
        if (shard.imageColumn != null) shard.imageKind(); // fails early on an image column of another type
        return shard;
    }

    long rows() {
        return groupStarts[groupStarts.length - 1];
    }

    int groups() {
        return groupStarts.length - 1;
    }

    /** The group holding row {@code row} of this file. */
    int groupOf(long row) {
        int g = java.util.Arrays.binarySearch(groupStarts, row);
        return g >= 0 ? g : -g - 2;
    }

    /** The cells of one row before parsing: the text columns as JSON object text, and the image cells. */
    record Row(Source source, String json, List<byte[]> imageBytes, List<String> imagePaths) {}

    /** Reads the rows of row group {@code g} (only that group's pages are read). */
    List<Row> readGroup(int g) {
        long lo = groupStarts[g], hi = groupStarts[g + 1];
        StringBuilder sql = new StringBuilder("SELECT file_row_number");
        List<String> text = TEXT_COLUMNS.stream().filter(columns::containsKey).toList();
        for (String c : text) sql.append(", to_json(").append(ident(c)).append(")::VARCHAR");
        if (imageColumn != null) sql.append(", ").append(imageSelect());
        sql.append(" FROM read_parquet(").append(literal(file)).append(", file_row_number = true) WHERE file_row_number >= ")
                .append(lo).append(" AND file_row_number < ").append(hi).append(" ORDER BY file_row_number");
        List<Row> out = new ArrayList<>((int) (hi - lo));
        synchronized (ParquetShard.class) {
            try (Statement st = connection().createStatement(); ResultSet rs = st.executeQuery(sql.toString())) {
                while (rs.next()) {
                    long row = rs.getLong(1);
                    com.google.gson.JsonObject o = new com.google.gson.JsonObject();
                    for (int k = 0; k < text.size(); k++) {
                        String json = rs.getString(2 + k);
                        if (json != null) o.add(text.get(k), com.google.gson.JsonParser.parseString(json));
                    }
                    List<byte[]> bytes = List.of();
                    List<String> paths = List.of();
                    if (imageColumn != null) {
                        bytes = blobs(rs.getArray(2 + text.size()));
                        paths = strings(rs.getArray(3 + text.size()));
                    }
                    out.add(new Row(rowSource(row), o.toString(), bytes, paths));
                }
            } catch (SQLException e) {
                throw new DatasetException(new Source(file + " row group " + g, 0), null, "cannot read: " + firstLine(e.getMessage()), e);
            }
        }
        return out;
    }

    /** How a row is named in errors: file and 0-based row (the index {@code datasets} shows, {@code ds[12]}). */
    Source rowSource(long row) {
        return new Source(file + " row " + row, 0);
    }

    private enum ImageKind { STRUCT, STRUCT_LIST, PATH, PATH_LIST }

    private ImageKind imageKind() {
        String type = columns.get(imageColumn).replace(" ", "").toUpperCase(java.util.Locale.ROOT);
        if (type.startsWith("STRUCT(") && type.contains("BYTESBLOB")) return type.endsWith("[]") ? ImageKind.STRUCT_LIST : ImageKind.STRUCT;
        if (type.equals("VARCHAR")) return ImageKind.PATH;
        if (type.equals("VARCHAR[]")) return ImageKind.PATH_LIST;
        throw new DatasetException(new Source(file.toString(), 0), imageColumn, "column type " + columns.get(imageColumn)
                + " is not an image column: expected {bytes, path} structs (what Hugging Face datasets writes), a list of them, or file paths");
    }

    /** Two list columns: the bytes and the stored path of each image of the row (a null cell is no image). */
    private String imageSelect() {
        String c = ident(imageColumn);
        return switch (imageKind()) {
            case STRUCT -> "CASE WHEN " + c + " IS NULL THEN [] ELSE [" + c + ".bytes] END, CASE WHEN " + c + " IS NULL THEN [] ELSE [" + c + ".path] END";
            case STRUCT_LIST -> "list_transform(" + c + ", x -> x.bytes), list_transform(" + c + ", x -> x.path)";
            case PATH -> "NULL::BLOB[], CASE WHEN " + c + " IS NULL THEN [] ELSE [" + c + "] END";
            case PATH_LIST -> "NULL::BLOB[], " + c;
        };
    }

    private static List<byte[]> blobs(Array array) throws SQLException {
        if (array == null) return List.of();
        List<byte[]> out = new ArrayList<>();
        for (Object o : (Object[]) array.getArray()) {
            if (o instanceof Blob b) out.add(b.getBytes(1, (int) b.length()));
            else out.add((byte[]) o);
        }
        return out;
    }

    private static List<String> strings(Array array) throws SQLException {
        if (array == null) return List.of();
        List<String> out = new ArrayList<>();
        for (Object o : (Object[]) array.getArray()) out.add(o == null ? null : o.toString());
        return out;
    }

    private static Connection connection() throws SQLException {
        if (connection == null) {
            Properties p = new Properties();
            // the machine's cores belong to training; one reader thread decodes a row group fast enough
            p.setProperty("threads", "1");
            // the driver directly, not DriverManager: notebook kernels load jars in class loaders DriverManager ignores
            connection = new org.duckdb.DuckDBDriver().connect("jdbc:duckdb:", p);
        }
        return connection;
    }

    private static String literal(Path file) {
        return "'" + file.toString().replace("'", "''") + "'";
    }

    private static String ident(String column) {
        return "\"" + column.replace("\"", "\"\"") + "\"";
    }

    private static String firstLine(String message) {
        if (message == null) return "unknown error";
        int nl = message.indexOf('\n');
        return nl < 0 ? message : message.substring(0, nl);
    }
}
