package org.cfsj.varlink;

import java.io.IOException;

/**
 * One interface a {@link VarlinkServer} serves: its description and the code answering its
 * methods.
 *
 * <p>The server checks a call before {@link #handle} sees it: the method is declared in
 * {@link #description()} and the parameters fit its input type. {@link #handle} runs on the
 * connection's own virtual thread; calls of one connection are answered one after another, in
 * order. It answers through the {@link MethodCall} or by throwing a {@link VarlinkError}; a method
 * that returns without replying answers with empty parameters.
 */
public interface VarlinkInterface {
    InterfaceDescription description();

    void handle(MethodCall call) throws VarlinkError, IOException;
}
