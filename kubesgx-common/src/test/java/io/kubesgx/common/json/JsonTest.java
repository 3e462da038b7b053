package io.kubesgx.common.json;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kubesgx.common.MalformedInputException;
import io.kubesgx.common.json.JsonValue.JsonObject;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class JsonTest {
  @Test
  void parse_nestedDocument_keepsOrderAndValues() throws Exception {
    JsonObject o = Json.parseObject(" {\"b\":[1,-2.5e3,true,false,null],\"a\":{\"x\":\"y\\n\\u00e9\\ud83d\\ude00\"}} ");
    assertEquals(List.of("b", "a"), List.copyOf(o.members().keySet()));
    assertEquals("y\n\u00e9\ud83d\ude00", o.object("a").string("x"));
    assertEquals(5, o.array("b").size());
    assertEquals("-2.5e3", ((JsonValue.JsonNumber) o.array("b").get(1)).text());
  }

  @Test
  void write_parsedDocument_roundTrips() throws Exception {
    String text = "{\"k\":[1,\"two\\\"\\\\\",{\"z\":null}],\"t\":true}";
    assertEquals(text, Json.write(Json.parse(text)));
  }

  @ParameterizedTest
  @ValueSource(strings = {
    "", "{", "{\"a\":1,\"a\":2}", "{\"a\":1}x", "[1,]", "{\"a\" 1}", "01", "1.", "1e", "-", "\"\\x\"",
    "\"\\ud800\"", "\"\\udc00x\"", "\"a\u0001\"", "tru", "nul", "{\"a\":1,}", "[1 2]", "\"unterminated", "1e9999999"
  })
  void parse_invalidDocument_throwsMalformed(String text) {
    assertThrows(MalformedInputException.class, () -> Json.parse(text));
  }

  @Test
  void parse_tooDeep_throwsMalformed() {
    String deep = "[".repeat(Json.MAX_DEPTH + 2) + "]".repeat(Json.MAX_DEPTH + 2);
    MalformedInputException e = assertThrows(MalformedInputException.class, () -> Json.parse(deep));
    assertTrue(e.getMessage().contains("nested"), e.getMessage());
  }

  @Test
  void parse_exactlyMaxDepthNested_acceptedOneMoreRefused() throws Exception {
    String max = "[".repeat(Json.MAX_DEPTH) + "1" + "]".repeat(Json.MAX_DEPTH);
    org.junit.jupiter.api.Assertions.assertEquals(max, Json.write(Json.parse(max)));
    String objects = "{\"a\":".repeat(Json.MAX_DEPTH) + "1" + "}".repeat(Json.MAX_DEPTH);
    org.junit.jupiter.api.Assertions.assertEquals(objects, Json.write(Json.parse(objects)));
    assertThrows(MalformedInputException.class, () -> Json.parse("[" + max + "]"));
    assertThrows(MalformedInputException.class, () -> Json.parse("{\"a\":" + objects + "}"));
  }

  @Test
  void parse_lowerMaxDepth_refusesDeeperAndDepthCounts() throws Exception {
    String three = "{\"a\":[[1]]}";
    org.junit.jupiter.api.Assertions.assertEquals(3, Json.depth(Json.parse(three, 3)));
    assertThrows(MalformedInputException.class, () -> Json.parse(three, 2));
    org.junit.jupiter.api.Assertions.assertEquals(0, Json.depth(Json.parse("5", 0)));
    assertThrows(IllegalArgumentException.class, () -> Json.parse("1", Json.MAX_DEPTH + 1));
  }

  @Test
  void parseWrite_hugeExponentsAndLongNumbers_roundTripExactly() throws Exception {
    String doc = "[1e999999,-1e400,1E-999999,123456789012345678901234567890,0.1000000000000000000000000000001,-0]";
    org.junit.jupiter.api.Assertions.assertEquals(doc, Json.write(Json.parse(doc)));
  }

  @Test
  void integer_fraction_throwsMalformed() throws Exception {
    JsonObject o = Json.parseObject("{\"n\":1.5,\"m\":99999999999999999999}");
    assertThrows(MalformedInputException.class, () -> o.integer("n"));
    assertThrows(MalformedInputException.class, () -> o.integer("m"));
    assertThrows(MalformedInputException.class, () -> o.string("missing"));
  }
}
