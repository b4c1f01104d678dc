/*
 * The console stream's cryptography (abi.h, docs/shields.md): the stream
 * key HMAC-SHA256(console key, "sconce console v1" || stream id) and one
 * record sealed or opened with AES-256-GCM, nonce fd || seq, AAD = stream
 * header || record header.
 */
#include <string.h>
#include <openssl/evp.h>
#include "console/console.h"

int con_derive(const uint8_t master[32], const uint8_t id[16], uint8_t key[32])
{
	uint8_t msg[17 + 16];
	size_t outl = 0;
	memcpy(msg, "sconce console v1", 17);
	memcpy(msg + 17, id, 16);
	return EVP_Q_mac(NULL, "HMAC", NULL, "SHA256", NULL, master, 32, msg, sizeof(msg), key, 32, &outl) &&
	       outl == 32 ? 0 : -1;
}

int con_gcm(int enc, const uint8_t key[32], const struct sconce_console_hdr *h,
	    const struct sconce_console_rec *r, const uint8_t *in, uint8_t *out, uint8_t tag[16])
{
	static EVP_CIPHER *cached;
	EVP_CIPHER *gcm = __atomic_load_n(&cached, __ATOMIC_ACQUIRE), *none = NULL;
	if (!gcm) {
		if (!(gcm = EVP_CIPHER_fetch(NULL, "AES-256-GCM", NULL)))
			return -1;
		if (!__atomic_compare_exchange_n(&cached, &none, gcm, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
			EVP_CIPHER_free(gcm);
			gcm = none;
		}
	}
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	uint8_t nonce[12];
	uint32_t fd = r->fd;
	int l, ok;
	memcpy(nonce, &fd, 4);
	memcpy(nonce + 4, &r->seq, 8);
	ok = c && EVP_CipherInit_ex2(c, gcm, key, nonce, enc, NULL) == 1 &&
	     EVP_CipherUpdate(c, NULL, &l, (const void *)h, sizeof(*h)) == 1 &&
	     EVP_CipherUpdate(c, NULL, &l, (const void *)r, sizeof(*r)) == 1 &&
	     (!r->len || EVP_CipherUpdate(c, out, &l, in, (int)r->len) == 1) &&
	     (enc || EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_TAG, 16, tag) == 1) &&
	     EVP_CipherFinal_ex(c, out + r->len, &l) == 1 &&
	     (!enc || EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, 16, tag) == 1);
	EVP_CIPHER_CTX_free(c);
	return ok ? 0 : -1;
}
