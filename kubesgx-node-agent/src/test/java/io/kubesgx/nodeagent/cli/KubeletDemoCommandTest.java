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
  void call_simulatedEpcPerMibAccounting_printsRegisterAndAllocate() {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cl = new CommandLine(new KubeletDemoCommand());
    cl.setOut(new PrintWriter(out));
    cl.setErr(new PrintWriter(err));
    int rc = cl.execute("--simulate-epc", "16Mi", "--request-mib", "2", "--epc-resource", "azure");
    assertEquals(0, rc, err.toString());
    String o = out.toString();
    assertTrue(o.contains("resource_name: " + ResourceNames.EPC_MIB), o);
    assertTrue(o.contains("version:       v1beta1"), o);
    assertTrue(o.contains("ListAndWatch: 16 devices"), o);
    assertTrue(o.contains("Allocate ["), o);
  }

  @Test
  void call_simulatedEpcDefaultAccounting_printsByteCapacityAndEnclaveSlotAllocate() {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cl = new CommandLine(new KubeletDemoCommand());
    cl.setOut(new PrintWriter(out));
    cl.setErr(new PrintWriter(err));
    int rc = cl.execute("--simulate-epc", "16Mi");
    assertEquals(0, rc, err.toString());
    String o = out.toString();
    assertTrue(o.contains(ResourceNames.EPC_BYTES + " = 16777216 bytes"), o);
    assertTrue(o.contains("resource_name: " + ResourceNames.ENCLAVE), o);
    assertTrue(o.contains("enclave slots"), o);
    assertTrue(o.contains("Allocate ["), o);
  }
}
