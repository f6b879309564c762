package org.cfsj.tree;

import java.util.Arrays;
import java.util.HexFormat;

/** An extended attribute; both name and value are raw bytes (the value may be binary). */
public record Xattr(byte[] name, byte[] value) {
    public Xattr {
        name = name.clone();
        value = value.clone();
    }

    public static Xattr of(String name, byte[] value) {
        return new Xattr(Bytes.of(name), value);
    }

    public String nameString() {
        return Bytes.str(name);
    }

    @Override
    public byte[] name() {
        return name.clone();
    }

    @Override
    public byte[] value() {
        return value.clone();
    }

    /** Name bytes without a defensive copy, for hot loops that only read. */
    public byte[] nameView() {
        return name;
    }

    /** Value bytes without a defensive copy, for hot loops that only read. */
    public byte[] valueView() {
        return value;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Xattr x && Arrays.equals(name, x.name) && Arrays.equals(value, x.value);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(name) * 31 + Arrays.hashCode(value);
    }

    @Override
    public String toString() {
        return nameString() + "=" + HexFormat.of().formatHex(value);
    }
}
