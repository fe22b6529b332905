/*
 * authy_vault.h: the C ABI of @authy/vault (ABI version 1).
 *
 * Requests are UTF-8 JSON passed as pointer + length (no NUL terminator is
 * read). Every function that answers returns a response block:
 *
 *     uint64_t length (little-endian) | `length` bytes of UTF-8 JSON
 *
 * The JSON is an envelope, either
 *     {"ok":true,"value":<value>}
 * or
 *     {"ok":false,"error":{"kind":"SecretNotFound","code":"not_found",
 *                          "exitCode":3,"message":"..."}}
 *
 * A response may hold secret values: release it only with authy_free, which
 * zeroes the bytes before freeing them on the library's own heap. No
 * function returns NULL. Panics inside the library come back as an error
 * of kind "Internal"; malformed JSON, wrong types, unknown fields and
 * unknown operations as kind "InvalidRequest".
 *
 * Handles are opaque non-zero integers below 2^53 (an index and a
 * generation): a closed, stale or made-up handle is an InvalidRequest
 * error, never undefined behaviour. Calls on different handles may run on
 * different threads at once; calls on one handle are serialized.
 */
#ifndef AUTHY_VAULT_H
#define AUTHY_VAULT_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define AUTHY_ABI_VERSION 1

/* The ABI version of the loaded library; check it before any other call. */
uint32_t authy_abi_version(void);

/*
 * Opens a vault directory. Request:
 *   {"dir"?: string,
 *    and exactly one of: "passphrase": string | "keyfile": string |
 *                        "token": string with "keyfile": string |
 *                        "fromEnv": true}
 * Value: {"handle": number}. An existing vault is decrypted now, so wrong
 * credentials fail here (AuthFailed).
 */
uint8_t *authy_open(const uint8_t *request, size_t request_len);

/*
 * Runs one operation: {"op": "<name>", ...fields}. Handle 0 serves the
 * operations that need no vault: ping, isInitialized, generateKeyfile.
 * The operations and their fields are listed in src/request.rs.
 */
uint8_t *authy_call(uint64_t handle, const uint8_t *request, size_t request_len);

/* Closes a handle. Closing it again returns an InvalidRequest error. */
uint8_t *authy_close(uint64_t handle);

/* Zeroes and frees a response block. NULL is ignored. */
void authy_free(uint8_t *response);

#ifdef __cplusplus
}
#endif

#endif /* AUTHY_VAULT_H */
