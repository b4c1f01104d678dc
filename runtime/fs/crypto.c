/*
 * AES-GCM and SHA-256 for the file-system shield, from the OpenSSL
 * libcrypto built against the enclave's musl (mk/openssl.mk).  The
 * library is initialised without loading a configuration file and
 * without an atexit handler (the shield commits files at exit_group,
 * after atexit handlers ran).
 */
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>
#include "fs.h"

static EVP_CIPHER *gcm128, *gcm256;
static EVP_MD *sha256;

int fsc_init(void)
{
	if (!OPENSSL_init_crypto(OPENSSL_INIT_NO_ATEXIT | OPENSSL_INIT_NO_LOAD_CONFIG, NULL))
		return -1;
	gcm128 = EVP_CIPHER_fetch(NULL, "AES-128-GCM", NULL);
	gcm256 = EVP_CIPHER_fetch(NULL, "AES-256-GCM", NULL);
	sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
	return gcm128 && gcm256 && sha256 ? 0 : -1;
}

/* A context remembers the key it was last given: expanding the AES key
 * and GCM's hash table costs about a quarter of sealing one 4 KiB chunk,
 * and a file's chunks all use the file's key. */
struct fs_ctx {
	EVP_CIPHER_CTX *evp;
	size_t keylen;               /* 0: no key set yet */
	uint8_t key[32];
};

fs_ctx *fsc_new(void)
{
	fs_ctx *c = calloc(1, sizeof(*c));
	if (c && !(c->evp = EVP_CIPHER_CTX_new())) {
		free(c);
		c = NULL;
	}
	return c;
}

void fsc_free(fs_ctx *c)
{
	if (!c)
		return;
	EVP_CIPHER_CTX_free(c->evp);
	OPENSSL_cleanse(c->key, sizeof(c->key));
	free(c);
}

int fsc_gcm(fs_ctx *c, int enc, const uint8_t *key, size_t keylen, const uint8_t nonce[12],
	    const void *aad, size_t aadlen, const void *aad2, size_t aad2len,
	    const void *in, size_t len, void *out, uint8_t tag[16])
{
	int l;
	uint8_t fin[16];
	if (keylen != c->keylen || !fsc_memeq(key, c->key, keylen)) {
		c->keylen = 0;
		if (EVP_CipherInit_ex2(c->evp, keylen == 32 ? gcm256 : gcm128, key, nonce, enc, NULL) != 1)
			return -1;
		memcpy(c->key, key, keylen);
		c->keylen = keylen;
	} else if (EVP_CipherInit_ex2(c->evp, NULL, NULL, nonce, enc, NULL) != 1) {
		c->keylen = 0;
		return -1;
	}
	EVP_CIPHER_CTX *e = c->evp;
	if (aadlen && EVP_CipherUpdate(e, NULL, &l, aad, (int)aadlen) != 1)
		return -1;
	if (aad2len && EVP_CipherUpdate(e, NULL, &l, aad2, (int)aad2len) != 1)
		return -1;
	if (len && EVP_CipherUpdate(e, out, &l, in, (int)len) != 1)
		return -1;
	if (!enc && EVP_CIPHER_CTX_ctrl(e, EVP_CTRL_GCM_SET_TAG, 16, tag) != 1)
		return -1;
	if (EVP_CipherFinal_ex(e, fin, &l) != 1)
		return -1;
	if (enc && EVP_CIPHER_CTX_ctrl(e, EVP_CTRL_GCM_GET_TAG, 16, tag) != 1)
		return -1;
	return 0;
}

void fsc_sha256(const void *p, size_t n, uint8_t out[32])
{
	unsigned int l = 32;
	EVP_Digest(p, n, out, &l, sha256, NULL);
}

int fsc_memeq(const void *a, const void *b, size_t n)
{
	return CRYPTO_memcmp(a, b, n) == 0;
}
