package org.cfsj.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.cfsj.repo.ObjectId;
import org.cfsj.repo.Repository;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code cfsj images}: the composefs images in the repository and the refs naming them. */
@Command(name = "images", mixinStandardHelpOptions = true,
        description = "List composefs images (images/) with their size and the refs that name them.")
final class ImagesCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        Repository repo = RepoOption.open();
        Map<ObjectId, List<String>> refs = new HashMap<>();
        for (String ref : repo.images().listRefs("")) {
            repo.images().ref(ref).ifPresent(id -> refs.computeIfAbsent(id, k -> new ArrayList<>()).add(ref));
        }
        PrintWriter out = spec.commandLine().getOut();
        out.printf("%-64s  %10s  %s%n", "IMAGE ID", "SIZE", "REFS");
        for (ObjectId id : repo.images().list()) {
            long size = repo.objects().has(id) ? Files.size(repo.objects().path(id)) : -1;
            out.printf("%-64s  %10s  %s%n", id.hex(), size < 0 ? "missing" : RepoOption.humanSize(size),
                    String.join(", ", refs.getOrDefault(id, List.of())));
        }
        out.flush();
        return 0;
    }
}
