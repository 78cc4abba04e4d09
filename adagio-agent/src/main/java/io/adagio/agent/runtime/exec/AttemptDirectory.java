package io.adagio.agent.runtime.exec;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystemException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SecureDirectoryStream;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The fresh working directory of one {@code exec} attempt: created empty under a root, readable by
 * the agent's user only, and removed with everything in it when the attempt ends.
 *
 * <p>Removal never follows a symbolic link: a workload may leave links to anywhere (or replace a
 * directory by one), and only the links go. Where the platform offers it (Linux, macOS) every step
 * is taken relative to an open directory ({@link SecureDirectoryStream}), so a link swapped in
 * while removing cannot redirect it either. Directories the workload made unwritable are made
 * writable first.
 */
final class AttemptDirectory implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(AttemptDirectory.class);
    private static final String PREFIX = "adagio-exec-";
    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rwx------");
    private static final LinkOption[] NOFOLLOW = {LinkOption.NOFOLLOW_LINKS};

    private final Path root;
    private final Path path;

    private AttemptDirectory(Path root, Path path) {
        this.root = root;
        this.path = path;
    }

    /** A new empty directory under {@code root}, named {@code adagio-exec-<random>}. */
    static AttemptDirectory create(Path root) throws IOException {
        var absolute = root.toAbsolutePath();
        Path dir;
        if (Files.getFileStore(absolute).supportsFileAttributeView(PosixFileAttributeView.class)) {
            dir = Files.createTempDirectory(absolute, PREFIX, PosixFilePermissions.asFileAttribute(OWNER_ONLY));
        } else {
            dir = Files.createTempDirectory(absolute, PREFIX);
        }
        return new AttemptDirectory(absolute, dir);
    }

    Path path() {
        return path;
    }

    /** Removes the directory and everything in it; what cannot be removed is logged, never thrown. */
    @Override
    public void close() {
        try {
            removeTree();
        } catch (IOException | RuntimeException e) {
            log.warn("could not remove the working directory {} of an exec attempt: {}", path, e.toString());
        }
    }

    private void removeTree() throws IOException {
        var name = path.getFileName();
        try (DirectoryStream<Path> rootStream = Files.newDirectoryStream(root)) {
            if (rootStream instanceof SecureDirectoryStream<Path> secureRoot) {
                removeEntry(secureRoot, name);
                return;
            }
        }
        removeWalking();
    }

    /** Removes {@code name} from the open directory {@code parent}: a file or link is unlinked, a directory emptied first. */
    private static void removeEntry(SecureDirectoryStream<Path> parent, Path name) throws IOException {
        BasicFileAttributes attributes;
        try {
            attributes = parent.getFileAttributeView(name, BasicFileAttributeView.class, NOFOLLOW)
                    .readAttributes();
        } catch (NoSuchFileException e) {
            return;
        }
        if (!attributes.isDirectory()) {
            parent.deleteFile(name);
            return;
        }
        // The workload may have taken the owner's permissions away; opening and emptying need them.
        parent.getFileAttributeView(name, PosixFileAttributeView.class, NOFOLLOW)
                .setPermissions(OWNER_ONLY);
        try (var child = parent.newDirectoryStream(name, NOFOLLOW)) {
            var names = new ArrayList<Path>();
            child.forEach(entry -> names.add(entry.getFileName()));
            for (var entry : names) {
                removeEntry(child, entry);
            }
        }
        parent.deleteDirectory(name);
    }

    /** Where directories cannot be opened securely: a walk, which does not follow links either. */
    private void removeWalking() throws IOException {
        var failures = new ArrayList<IOException>();
        Files.walkFileTree(path, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
                var view = Files.getFileAttributeView(dir, PosixFileAttributeView.class, NOFOLLOW);
                if (view != null) {
                    try {
                        view.setPermissions(EnumSet.copyOf(OWNER_ONLY));
                    } catch (IOException e) {
                        failures.add(e);
                    }
                }
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Files.deleteIfExists(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path dir, IOException e) throws IOException {
                Files.deleteIfExists(dir);
                return FileVisitResult.CONTINUE;
            }
        });
        if (!failures.isEmpty()) {
            throw failures.getFirst();
        }
    }

    @Override
    public String toString() {
        return path.toString();
    }

    /** For messages: the directory's path, or the problem creating it. */
    static String describe(Path root, IOException e) {
        return "cannot create a working directory under " + root + ": "
                + (e instanceof FileSystemException fse && fse.getReason() != null ? fse.getReason() : e.toString());
    }
}
