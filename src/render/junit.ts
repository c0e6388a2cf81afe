// JUnit XML as CI systems read it: <testsuites>, one <testsuite> per group, <testcase>s with a
// <failure> or <error> (message attribute, full text in the body) and <system-out>.

export interface JUnitCase {
  name: string;
  classname: string;
  seconds: number;
  failure?: { message: string; text: string };
  error?: { message: string; text: string };
  skipped?: string;
  systemOut?: string;
}

export interface JUnitSuite {
  name: string;
  cases: JUnitCase[];
}

export function junitXml(name: string, suites: JUnitSuite[], timestamp = new Date()): string {
  const total = counts(suites.flatMap((s) => s.cases));
  const out = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name=${attr(name)} tests="${total.tests}" failures="${total.failures}" errors="${total.errors}" skipped="${total.skipped}" time="${total.time}">`,
  ];
  for (const suite of suites) {
    const c = counts(suite.cases);
    out.push(
      `  <testsuite name=${attr(suite.name)} tests="${c.tests}" failures="${c.failures}" errors="${c.errors}" skipped="${c.skipped}" time="${c.time}" timestamp=${attr(timestamp.toISOString().replace(/\.\d+Z$/, ""))}>`,
    );
    for (const tc of suite.cases) {
      out.push(
        `    <testcase name=${attr(tc.name)} classname=${attr(tc.classname)} time="${tc.seconds.toFixed(3)}">`,
      );
      if (tc.failure)
        out.push(
          `      <failure message=${attr(tc.failure.message)} type="expectation">${cdata(tc.failure.text)}</failure>`,
        );
      if (tc.error)
        out.push(
          `      <error message=${attr(tc.error.message)} type="error">${cdata(tc.error.text)}</error>`,
        );
      if (tc.skipped !== undefined) out.push(`      <skipped message=${attr(tc.skipped)}/>`);
      if (tc.systemOut) out.push(`      <system-out>${cdata(tc.systemOut)}</system-out>`);
      out.push("    </testcase>");
    }
    out.push("  </testsuite>");
  }
  out.push("</testsuites>", "");
  return out.join("\n");
}

function counts(cases: JUnitCase[]) {
  return {
    tests: cases.length,
    failures: cases.filter((c) => c.failure).length,
    errors: cases.filter((c) => c.error).length,
    skipped: cases.filter((c) => c.skipped !== undefined).length,
    time: cases.reduce((sum, c) => sum + c.seconds, 0).toFixed(3),
  };
}

/** Characters XML 1.0 cannot hold at all (most control characters, lone surrogates), and terminal colors. */
function xmlSafe(text: string): string {
  return Bun.stripANSI(text).replace(/[^\t\n\r\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, "\uFFFD");
}

/** A quoted attribute value; newlines kept as character references. */
export function attr(value: string): string {
  const escaped = xmlSafe(value)
    .replaceAll("&", "&amp;")
    .replaceAll("<", "&lt;")
    .replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;")
    .replaceAll("\n", "&#10;")
    .replaceAll("\r", "&#13;")
    .replaceAll("\t", "&#9;");
  return `"${escaped}"`;
}

/** Text as CDATA: a `]]>` inside is split across two sections. */
export function cdata(text: string): string {
  return `<![CDATA[${xmlSafe(text).replaceAll("]]>", "]]]]><![CDATA[>")}]]>`;
}
