import { describe, expect, test } from "bun:test";
import { isNonPublicAddress } from "../../../src/upstream/fetch-file-url";

/** The addresses a client's file URL may not lead the gateway to unless file_url_private_hosts is on. */
describe("isNonPublicAddress", () => {
  test.each(["127.0.0.1", "10.1.2.3", "172.16.0.1", "172.31.255.255", "192.168.1.1", "169.254.169.254", "100.64.0.1", "0.0.0.0", "224.0.0.1", "::1", "::", "fd00::1", "fe80::1", "::ffff:127.0.0.1"])("%s is not public", (address) => {
    expect(isNonPublicAddress(address)).toBe(true);
  });
  test.each(["8.8.8.8", "172.32.0.1", "100.128.0.1", "2606:4700::1111", "::ffff:1.1.1.1"])("%s is public", (address) => {
    expect(isNonPublicAddress(address)).toBe(false);
  });
});
