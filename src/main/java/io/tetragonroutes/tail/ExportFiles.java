package io.tetragonroutes.tail;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The export file and its rotated backups, named the way Tetragon's rotation (lumberjack) names them:
 * {@code tetragon.log} is renamed to {@code tetragon-2026-08-21T17-27-24.123.log} (UTC) and, with compression,
 * becomes {@code tetragon-2026-08-21T17-27-24.123.log.gz} (written as {@code .gz.tmp}, then renamed).
 */
final class ExportFiles {

    static final DateTimeFormatter STAMP =
            DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH-mm-ss.SSS").withZone(ZoneOffset.UTC);

    /** A rotated backup. Stamps sort in time order as plain strings. */
    record Backup(Path path, String stamp, boolean gz) {
    }

    final Path live;
    final Path dir;
    private final String base;
    private final Pattern backupName;

    ExportFiles(Path live) {
        this.live = live.toAbsolutePath().normalize();
        this.dir = this.live.getParent();
        String name = this.live.getFileName().toString();
        int dot = name.lastIndexOf('.');
        this.base = dot > 0 ? name.substring(0, dot) : name;
        String ext = dot > 0 ? name.substring(dot) : "";
        this.backupName = Pattern.compile("^" + Pattern.quote(base)
                + "-(\\d{4}-\\d{2}-\\d{2}T\\d{2}-\\d{2}-\\d{2}\\.\\d{3})" + Pattern.quote(ext) + "(\\.gz)?$");
    }

    static String stampNow() {
        return stamp(Instant.now());
    }

    static String stamp(Instant t) {
        return STAMP.format(t);
    }

    /** The rotation stamp in a backup's name, or null for any other name. */
    String stampOf(Path p) {
        Matcher m = backupName.matcher(p.getFileName().toString());
        return m.matches() ? m.group(1) : null;
    }

    /** Backups stamped strictly after {@code order}, oldest first; where both X.log and X.log.gz exist, X.log. */
    List<Backup> backupsAfter(String order) throws IOException {
        List<Backup> out = new ArrayList<>();
        for (Path p : list()) {
            Matcher m = backupName.matcher(p.getFileName().toString());
            if (m.matches() && (order == null || m.group(1).compareTo(order) > 0)) {
                out.add(new Backup(p, m.group(1), m.group(2) != null));
            }
        }
        out.sort(Comparator.comparing(Backup::stamp).thenComparing(Backup::gz));
        List<Backup> dedup = new ArrayList<>(out.size());
        for (Backup b : out) {
            if (dedup.isEmpty() || !dedup.get(dedup.size() - 1).stamp().equals(b.stamp())) {
                dedup.add(b);
            }
        }
        return dedup;
    }

    /** Every file that could be an older copy of the export (rotated or copy-truncated), newest name first. */
    List<Path> candidates() throws IOException {
        List<Path> out = new ArrayList<>();
        for (Path p : list()) {
            String n = p.getFileName().toString();
            if (n.startsWith(base) && !p.equals(live) && !n.endsWith(".tmp") && Files.isRegularFile(p)) {
                out.add(p);
            }
        }
        out.sort(Comparator.comparing(Path::toString).reversed());
        return out;
    }

    private List<Path> list() throws IOException {
        List<Path> out = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path p : ds) {
                out.add(p);
            }
        } catch (NoSuchFileException e) {
            return out;
        }
        return out;
    }
}
