package io.kubesgx.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kubesgx.common.json.Json;
import io.kubesgx.common.json.JsonValue;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Tests the JmesPath subset evaluated over JSON runtime data. */
class JmesPathTest {

  static final String RUNTIME =
      "{\"keys\":[{\"kid\":\"k1\",\"kty\":\"RSA\",\"n\":1,\"tags\":[\"a\",\"b\"]},"
          + "{\"kid\":\"k2\",\"kty\":\"EC\",\"n\":5,\"tags\":[\"c\"]},"
          + "{\"kid\":\"k3\",\"kty\":\"RSA\",\"n\":9,\"tags\":[]}],"
          + "\"user-data\":\"abc\",\"nested\":{\"a\":{\"b\":{\"c\":true}}},\"empty\":{},\"nul\":null,"
          + "\"num\":10,\"str\":\"Hello\"}";

  static String search(String query) throws Exception {
    JsonValue data = Json.parse(RUNTIME);
    return JmesPath.write(JmesPath.compile(query).search(data));
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '~',
      value = {
        "keys[0].kid~\"k1\"",
        "keys[-1].kid~\"k3\"",
        "keys[5].kid~null",
        "keys[0].\"kid\"~\"k1\"",
        "\"user-data\"~\"abc\"",
        "nested.a.b.c~true",
        "missing.a.b~null",
        "keys[*].kid~[\"k1\",\"k2\",\"k3\"]",
        "keys[*].missing~[]",
        "keys[?kty == 'RSA'].kid~[\"k1\",\"k3\"]",
        "keys[?n > `4`].kid~[\"k2\",\"k3\"]",
        "keys[?n >= `5` && kty == 'EC'].kid~[\"k2\"]",
        "keys[?kty == 'EC' || n == `1`].kid~[\"k1\",\"k2\"]",
        "keys[?!(kty == 'RSA')].kid~[\"k2\"]",
        "keys[? kty != 'RSA'] | [0].kid~\"k2\"",
        "keys[*].tags[]~[\"a\",\"b\",\"c\"]",
        "keys[*].tags~[[\"a\",\"b\"],[\"c\"],[]]",
        "keys[].kid~[\"k1\",\"k2\",\"k3\"]",
        "nested.*~[{\"b\":{\"c\":true}}]",
        "nested.a.*.c~[true]",
        "length(keys)~3",
        "length(str)~5",
        "length(nested)~1",
        "keys | length(@) == `3`~true",
        "keys[?kty == 'RSA'] | length(@) == `1` && @[0].kid~false",
        "keys[?kty == 'EC'] | length(@) == `1` && @[0].kid~\"k2\"",
        "keys[0].{id: kid, size: n}~{\"id\":\"k1\",\"size\":1}",
        "keys[0] | @.{id: kid}~{\"id\":\"k1\"}",
        "[num, str]~[10,\"Hello\"]",
        "keys[*].[kid, n]~[[\"k1\",1],[\"k2\",5],[\"k3\",9]]",
        "`{\"a\": [1, 2]}`~{\"a\":[1,2]}",
        "'raw \\' quote'~\"raw ' quote\"",
        "nul || str~\"Hello\"",
        "empty || `false` || num~10",
        "empty && num~{}",
        "str == 'Hello'~true",
        "num == `10.0`~true",
        "num < str~null",
        "contains(keys[0].tags, 'b')~true",
        "contains(str, 'ell')~true",
        "starts_with(str, 'He')~true",
        "ends_with(str, 'lo')~true",
        "equals_ignore_case(str, 'hELLO')~true",
        "keys(nested.a)~[\"b\"]",
        "values(nested.a.b)~[true]",
        "type(num)~\"number\"",
        "not_null(nul, missing, str)~\"Hello\"",
        "to_string(num)~\"10\"",
        "to_number('42')~42",
        "@.num~10",
        "(keys[0]).kid~\"k1\"",
        "keys[?tags[0] == 'c'].kid | [0]~\"k2\"",
      })
  void search_expressionsOverRuntimeJson_giveExpected(String query, String expected)
      throws Exception {
    assertEquals(expected, search(query), query);
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '~',
      value = {
        "''~empty query",
        "keys[~expected an index or \"*\" after \"[\"",
        "keys[0~expected \"]\"",
        "keys.[~unexpected end of query",
        "a = b~expected \"==\"",
        "foo(1)~unknown function foo()",
        "length()~length() takes 1 argument(s)",
        "`{bad`~invalid JSON literal",
        "\"abc~unterminated",
        "a[?b == 'x]~unterminated '",
        "a[1:2]~slices are not supported",
        "&a~expression references",
        "a #~unexpected character '#'",
        "a b~unexpected \"b\" at offset 2",
      })
  void compile_badQueries_throwWithMessage(String query, String fragment) {
    String q = query.equals("''") ? "" : query;
    JmesPath.JmesPathException e =
        assertThrows(JmesPath.JmesPathException.class, () -> JmesPath.compile(q));
    assertTrue(e.getMessage().contains(fragment), e.getMessage());
  }

  @Test
  void compile_queryOver1KiB_rejected() {
    String q = "a." .repeat(600) + "a";
    JmesPath.JmesPathException e =
        assertThrows(JmesPath.JmesPathException.class, () -> JmesPath.compile(q));
    assertEquals("query longer than 1024 characters", e.getMessage());
  }

  @Test
  void compile_deepNesting_rejectedWithoutStackOverflow() {
    String q = "!".repeat(200) + "a";
    JmesPath.JmesPathException e =
        assertThrows(JmesPath.JmesPathException.class, () -> JmesPath.compile(q));
    assertTrue(e.getMessage().contains("nested deeper"), e.getMessage());
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '~',
      value = {
        "length(num)~invalid type for length(): expected a string, array or object, got number",
        "keys(str)~invalid type for keys(): expected an object, got string",
        "starts_with(num, 'a')~invalid type for starts_with(): expected a string, got number",
      })
  void search_typeErrors_throw(String query, String message) throws Exception {
    JmesPath q = JmesPath.compile(query);
    JsonValue data = Json.parse(RUNTIME);
    JmesPath.JmesPathException e =
        assertThrows(JmesPath.JmesPathException.class, () -> q.search(data));
    assertEquals(message, e.getMessage());
  }

  @Test
  void search_multiSelectOverLargeInput_hitsResultSizeLimit() throws Exception {
    String query = "[" + "@,".repeat(199) + "@]";
    JmesPath p = JmesPath.compile(query);
    JsonValue data = Json.parse("[" + "\"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\",".repeat(199) + "1]");
    JmesPath.JmesPathException e =
        assertThrows(JmesPath.JmesPathException.class, () -> JmesPath.write(p.search(data)));
    assertEquals("result longer than 1048576 characters", e.getMessage());
  }

  @Test
  void search_projectionOverLargeArray_hitsStepBudget() throws Exception {
    JsonValue big = Json.parse("[" + "[1,2,3,4,5,6,7,8,9,10],".repeat(20_000) + "[]]");
    JmesPath p = JmesPath.compile("[*][*][*]");
    JmesPath.JmesPathException e =
        assertThrows(JmesPath.JmesPathException.class, () -> p.search(big));
    assertEquals("query evaluation exceeded its step budget", e.getMessage());
  }
}
