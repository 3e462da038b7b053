package io.kubesgx.nodeagent.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kubesgx.nodeagent.deviceplugin.ResourceNames;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The kubelet demo shows a real registration and Allocate over UNIX sockets. */
class KubeletDemoCommandTest {
  @Test
  void call_simulatedEpc_printsRegisterAndAllocate() {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cl = new CommandLine(new KubeletDemoCommand());
    cl.setOut(new PrintWriter(out));
    cl.setErr(new PrintWriter(err));
    int rc = cl.execute("--simulate-epc", "16Mi", "--request-mib", "2");
    assertEquals(0, rc, err.toString());
    String o = out.toString();
    assertTrue(o.contains("resource_name: " + ResourceNames.EPC_MIB), o);
    assertTrue(o.contains("version:       v1beta1"), o);
    assertTrue(o.contains("ListAndWatch: 16 devices"), o);
    assertTrue(o.contains("Allocate ["), o);
  }
}
