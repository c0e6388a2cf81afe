// picocolors ships its colorless build without types of its own; it has the same shape.
declare module "picocolors/picocolors.browser.js" {
  import type { Colors } from "picocolors/types";

  const plain: Colors & { createColors(enabled?: boolean): Colors };
  export default plain;
}
