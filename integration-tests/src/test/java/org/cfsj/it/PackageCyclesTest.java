package org.cfsj.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * No two packages of main code import each other, directly or through others: the package graph
 * built from every module's {@code src/main/java} imports is acyclic, so each package can be read,
 * tested and moved with only the packages below it.
 */
class PackageCyclesTest {
    private static final Pattern PACKAGE = Pattern.compile("^package\\s+([\\w.]+)\\s*;", Pattern.MULTILINE);
    private static final Pattern IMPORT =
            Pattern.compile("^import\\s+(?:static\\s+)?(org\\.cfsj[\\w.]*)\\s*;", Pattern.MULTILINE);
    private static final Pattern QUALIFIED = Pattern.compile("\\b(org\\.cfsj(?:\\.[a-z]\\w*)+)\\.[A-Z]\\w*");

    @Test
    void mainPackagesFormNoCycle() throws IOException {
        Map<String, Set<String>> graph = packageGraph(repositoryRoot());
        assertTrue(graph.size() > 10, "found only " + graph.size() + " packages: is cfsj.root.dir right?");
        assertEquals(List.of(), cycles(graph), "package import cycles (each with its edges)");
    }

    @Test
    void detectsACycle() {
        Map<String, Set<String>> graph = new TreeMap<>();
        graph.put("a", new TreeSet<>(Set.of("b")));
        graph.put("b", new TreeSet<>(Set.of("c")));
        graph.put("c", new TreeSet<>(Set.of("a")));
        graph.put("d", new TreeSet<>(Set.of("a")));
        assertEquals(1, cycles(graph).size());
    }

    static Path repositoryRoot() {
        String dir = System.getProperty("cfsj.root.dir");
        return dir != null ? Path.of(dir) : Path.of("..").toAbsolutePath().normalize();
    }

    /** Package → packages of this project it uses, from every module's main sources. */
    static Map<String, Set<String>> packageGraph(Path root) throws IOException {
        Map<Path, String> sources = new HashMap<>();
        Map<String, String> classToPackage = new HashMap<>();
        List<Path> files;
        try (Stream<Path> s = Files.walk(root)) {
            files = s.filter(p -> p.toString().endsWith(".java"))
                    .filter(p -> p.toString().contains("/src/main/java/"))
                    .filter(p -> !p.toString().contains("/target/"))
                    .toList();
        }
        for (Path f : files) {
            String text = Files.readString(f);
            Matcher m = PACKAGE.matcher(text);
            if (!m.find()) {
                continue;
            }
            String name = f.getFileName().toString();
            classToPackage.put(m.group(1) + "." + name.substring(0, name.length() - 5), m.group(1));
            sources.put(f, text);
        }
        Set<String> packages = new TreeSet<>(classToPackage.values());
        Map<String, Set<String>> graph = new TreeMap<>();
        for (String text : sources.values()) {
            Matcher pm = PACKAGE.matcher(text);
            pm.find();
            String pkg = pm.group(1);
            Set<String> out = graph.computeIfAbsent(pkg, k -> new TreeSet<>());
            Matcher im = IMPORT.matcher(text);
            while (im.find()) {
                String target = owningPackage(im.group(1), classToPackage);
                if (target != null && !target.equals(pkg)) {
                    out.add(target);
                }
            }
            Matcher qm = QUALIFIED.matcher(text);
            while (qm.find()) {
                if (packages.contains(qm.group(1)) && !qm.group(1).equals(pkg)) {
                    out.add(qm.group(1));
                }
            }
        }
        return graph;
    }

    /** The package of the longest class name that prefixes an import (nested classes, static members). */
    private static String owningPackage(String imported, Map<String, String> classToPackage) {
        String name = imported;
        while (name.contains(".")) {
            String pkg = classToPackage.get(name);
            if (pkg != null) {
                return pkg;
            }
            name = name.substring(0, name.lastIndexOf('.'));
        }
        return null;
    }

    /** Strongly connected components of more than one package (Tarjan, iterative), each as "p -> [q, r]" lines. */
    static List<String> cycles(Map<String, Set<String>> graph) {
        Map<String, Integer> index = new HashMap<>();
        Map<String, Integer> low = new HashMap<>();
        Deque<String> stack = new ArrayDeque<>();
        Set<String> onStack = new TreeSet<>();
        List<String> found = new ArrayList<>();
        int[] counter = {0};
        for (String start : graph.keySet()) {
            if (index.containsKey(start)) {
                continue;
            }
            Deque<Map.Entry<String, java.util.Iterator<String>>> work = new ArrayDeque<>();
            visit(start, index, low, stack, onStack, counter);
            work.push(Map.entry(start, graph.getOrDefault(start, Set.of()).iterator()));
            while (!work.isEmpty()) {
                var top = work.peek();
                String v = top.getKey();
                if (top.getValue().hasNext()) {
                    String w = top.getValue().next();
                    if (!index.containsKey(w)) {
                        visit(w, index, low, stack, onStack, counter);
                        work.push(Map.entry(w, graph.getOrDefault(w, Set.of()).iterator()));
                    } else if (onStack.contains(w)) {
                        low.put(v, Math.min(low.get(v), index.get(w)));
                    }
                    continue;
                }
                work.pop();
                if (!work.isEmpty()) {
                    String parent = work.peek().getKey();
                    low.put(parent, Math.min(low.get(parent), low.get(v)));
                }
                if (low.get(v).equals(index.get(v))) {
                    Set<String> component = new TreeSet<>();
                    String w;
                    do {
                        w = stack.pop();
                        onStack.remove(w);
                        component.add(w);
                    } while (!w.equals(v));
                    if (component.size() > 1) {
                        StringBuilder sb = new StringBuilder();
                        for (String p : component) {
                            Set<String> inside = new TreeSet<>(graph.getOrDefault(p, Set.of()));
                            inside.retainAll(component);
                            sb.append(p).append(" -> ").append(inside).append('\n');
                        }
                        found.add(sb.toString());
                    }
                }
            }
        }
        return found;
    }

    private static void visit(String v, Map<String, Integer> index, Map<String, Integer> low, Deque<String> stack,
            Set<String> onStack, int[] counter) {
        index.put(v, counter[0]);
        low.put(v, counter[0]);
        counter[0]++;
        stack.push(v);
        onStack.add(v);
    }
}
