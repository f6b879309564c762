package org.cfsj.cli;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import org.cfsj.dump.DumpEscaper;
import org.cfsj.dump.DumpfilePrinter;
import org.cfsj.erofs.ErofsFormatException;
import org.cfsj.erofs.ErofsImage;
import org.cfsj.erofs.ImageTree;
import org.cfsj.tree.Bytes;
import org.cfsj.tree.Directory;
import org.cfsj.tree.Node;
import org.cfsj.tree.RegularFile;
import org.cfsj.tree.Symlink;
import org.cfsj.tree.TreeWalk;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code cfsj composefs-info}: inspects composefs images the way C {@code composefs-info} does
 * (same output for ls, dump, objects and missing-objects). Plain EROFS images are read too,
 * without composefs's overlay rules.
 */
@Command(
        name = "composefs-info",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = {
            "Show what a composefs image contains.",
            "",
            "  ls               each path; directories end in '/', symlinks show '-> target', "
                    + "external files '@ payload' (the backing object path)",
            "  dump             the image as a composefs dumpfile (composefs-dump(5))",
            "  objects          the backing objects the images refer to, sorted, once each",
            "  missing-objects  those objects not present under --basedir DIR, looked up",
            "                   without following symlinks below DIR; a payload that is not",
            "                   a path below DIR (a '.', '..' or empty component) is an error",
        },
        exitCodeListHeading = "%nExit status:%n",
        exitCodeList = {"0:success", "1:an IMAGE is missing, unreadable or not a valid image, or (missing-objects) has a payload that is not an object path", "2:invalid usage"})
final class ComposefsInfoCommand implements Callable<Integer> {
    enum Action {
        ls, dump, objects, missing_objects;

        static Action parse(String s) {
            return switch (s) {
                case "ls" -> ls;
                case "dump" -> dump;
                case "objects" -> objects;
                case "missing-objects" -> missing_objects;
                default -> null;
            };
        }
    }

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--basedir", paramLabel = "DIR",
            description = "Object directory for missing-objects (payloads are paths below it).")
    Path basedir;

    @Parameters(index = "0", paramLabel = "COMMAND", description = "ls, dump, objects or missing-objects.")
    String command;

    @Parameters(index = "1..*", arity = "1..*", paramLabel = "IMAGE", description = "composefs (or EROFS) images.")
    List<Path> images;

    @Override
    public Integer call() throws IOException {
        Action action = Action.parse(command);
        if (action == null) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "unknown command '" + command + "' (expected ls, dump, objects or missing-objects)");
        }
        if (action == Action.missing_objects) {
            if (basedir == null) {
                throw new CommandLine.ParameterException(spec.commandLine(), "missing-objects needs --basedir DIR");
            }
            if (!Files.isDirectory(basedir)) {
                throw new IOException("--basedir " + basedir + ": not a directory");
            }
        }
        // raw bytes (names are bytes); System.out itself is not closed: tests capture it with System.setOut
        OutputStream out = new BufferedOutputStream(System.out, 1 << 16);
        TreeSet<byte[]> objects = new TreeSet<>(Bytes.ORDER);
        try {
            for (Path image : images) {
                Directory root = load(image);
                switch (action) {
                    case ls -> list(root, out);
                    case dump -> DumpfilePrinter.print(root, out);
                    case objects -> collectObjects(root, objects);
                    case missing_objects -> {
                        TreeSet<byte[]> mine = new TreeSet<>(Bytes.ORDER);
                        collectObjects(root, mine);
                        for (byte[] payload : mine) {
                            try {
                                ObjectDirectory.components(payload);
                            } catch (IOException e) {
                                throw new IOException(image + ": " + e.getMessage());
                            }
                        }
                        objects.addAll(mine);
                    }
                }
                out.flush();
            }
            if (action == Action.objects) {
                for (byte[] object : objects) {
                    out.write(object);
                    out.write('\n');
                }
            } else if (action == Action.missing_objects) {
                try (ObjectDirectory dir = ObjectDirectory.open(basedir)) {
                    for (byte[] object : objects) {
                        if (!dir.exists(ObjectDirectory.components(object))) {
                            out.write(object);
                            out.write('\n');
                        }
                    }
                }
            }
        } finally {
            out.flush();
        }
        return 0;
    }

    /** Reads a whole image; every problem becomes "IMAGE: what is wrong". */
    private static Directory load(Path image) throws IOException {
        try (ErofsImage img = ErofsImage.open(image)) {
            return ImageTree.read(img);
        } catch (ErofsFormatException e) {
            throw new ErofsFormatException(image + ": " + e.getMessage());
        } catch (java.nio.file.NoSuchFileException e) {
            throw new IOException(image + ": no such file or directory");
        } catch (java.nio.file.AccessDeniedException e) {
            throw new IOException(image + ": permission denied");
        } catch (IOException e) {
            throw new IOException(image + ": " + (e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName()));
        }
    }

    /**
     * composefs-info ls: a hardlink's further names are printed bare, as C prints its link nodes,
     * and a directory's contents are listed once, below its first name.
     */
    private static void list(Directory root, OutputStream out) throws IOException {
        Map<Node, Boolean> seen = new IdentityHashMap<>();
        TreeWalk.walk(root, (parent, name, child, path) -> {
            StringBuilder line = new StringBuilder(DumpEscaper.escape(path.toBytes(), DumpEscaper.Style.KEEP_SPACE));
            boolean first = seen.put(child, Boolean.TRUE) == null;
            if (first) {
                switch (child) {
                    case Directory d -> line.append("/\t");
                    case Symlink s -> line.append("\t-> ").append(DumpEscaper.escape(s.target(), DumpEscaper.Style.STANDARD));
                    case RegularFile r when r.payload() != null ->
                            line.append("\t@ ").append(DumpEscaper.escape(Bytes.of(r.payload()), DumpEscaper.Style.STANDARD));
                    default -> {}
                }
            }
            line.append('\n');
            out.write(line.toString().getBytes(StandardCharsets.ISO_8859_1), 0, line.length());
            return first;
        });
    }

    /** Every payload of a regular file in the tree (every directory entered, as the set is all that counts). */
    private static void collectObjects(Directory root, TreeSet<byte[]> objects) {
        ImageTree.payloads(root).forEach(p -> objects.add(Bytes.of(p)));
    }
}
