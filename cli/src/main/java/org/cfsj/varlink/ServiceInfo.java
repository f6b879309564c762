package org.cfsj.varlink;

/** What {@code org.varlink.service.GetInfo} says about the implementation. */
public record ServiceInfo(String vendor, String product, String version, String url) {}
