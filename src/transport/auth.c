/*-------------------------------------------------------------------------
 *
 * auth.c
 *		  Building Snowflake key-pair JWTs with OpenSSL
 *
 * A key-pair token is a JWT signed with RS256 by the user's RSA private key,
 * which comes as PEM text from the "private_key" user mapping option.  Its
 * claims are iss = "<ACCOUNT>.<USER>.SHA256:<fingerprint>",
 * sub = "<ACCOUNT>.<USER>", iat and exp, in seconds (docs: Snowflake REST
 * API "Authenticating to the server").
 *
 * OpenSSL objects belong to no memory context or resource owner, so nothing
 * that can throw (palloc, ereport) runs while one is allocated: everything
 * palloc'd is prepared before the key is loaded, OpenSSL error text is copied
 * into a stack buffer, all objects are freed, and only then is an error
 * reported.  Error messages never contain any part of the key, the passphrase
 * or the token.
 *
 * Copyright (c) 2026, snowfdw developers
 *
 * IDENTIFICATION
 *		  src/transport/auth.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <string.h>

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "common/int.h"
#include "lib/stringinfo.h"

#include "compat.h"
#include "transport/auth.h"
#include "transport/json.h"

/* JOSE header of every token: RSA PKCS#1 v1.5 signature with SHA-256 */
#define SNOWFDW_JWT_HEADER			"{\"alg\":\"RS256\",\"typ\":\"JWT\"}"

/* Fingerprint: prefix and standard base64 (with padding) of a SHA-256 */
#define SNOWFDW_FINGERPRINT_PREFIX	"SHA256:"
#define SNOWFDW_SHA256_LEN			32
#define SNOWFDW_FINGERPRINT_LEN \
	(sizeof(SNOWFDW_FINGERPRINT_PREFIX) - 1 + (SNOWFDW_SHA256_LEN + 2) / 3 * 4)

/* Largest RSA signature OpenSSL can produce, in bytes */
#define SNOWFDW_MAX_SIGNATURE_LEN	(OPENSSL_RSA_MAX_MODULUS_BITS / 8)

/*
 * Bounds on the key derivation of an encrypted PKCS#8 key.  OpenSSL derives
 * the key without checking for interrupts, so a cost set by whoever wrote
 * the key would hold the backend for as long as it asks.  The defaults of
 * "openssl pkcs8" (PBKDF2 at 2048 iterations; scrypt N = 16384, r = 8,
 * p = 1), Java's PKCS#12 (10000) and Python's cryptography (OpenSSL's) are
 * well inside; at the caps decrypting takes at most about 0.11 s (PBKDF2
 * with SHA-1 or SHA-512) and 0.14 s (scrypt) here (README).
 */
#define SNOWFDW_MAX_KDF_ITERATIONS	100000
#define SNOWFDW_MAX_SCRYPT_COST		(UINT64CONST(1) << 18)	/* N * r * p */

/*
 * Largest RSA key accepted: signing is one private-key operation OpenSSL
 * cannot interrupt; at 8192 bits it takes about 0.1 s here (README)
 */
#define SNOWFDW_MAX_RSA_BITS		8192

/*
 * Longest PEM text read: OpenSSL decodes it without checking for interrupts;
 * an encrypted 8192-bit key with a certificate chain fits many times over
 */
#define SNOWFDW_MAX_KEY_PEM_LEN		(64 * 1024)

/* Size of the buffers that hold OpenSSL error text */
#define SNOWFDW_SSL_ERRBUF_LEN		256

/* Passphrase handed to the PEM decoder, and whether the decoder asked */
typedef struct SnowfdwPassphrase
{
	const char *passphrase;		/* NULL if none was configured */
	bool		requested;		/* true if the key turned out to be encrypted */
} SnowfdwPassphrase;

/*
 * What signing a token produced, kept until the key is freed and an error
 * may be reported
 */
typedef struct SnowfdwJwtSignature
{
	bool		fingerprint_ok;
	bool		key_size_ok;
	bool		sign_ok;
	size_t		input_len;		/* of "<header>.<claims>" at the token's start */
	unsigned char bytes[SNOWFDW_MAX_SIGNATURE_LEN];
	size_t		len;
	char		errbuf[SNOWFDW_SSL_ERRBUF_LEN];	/* OpenSSL's reason on failure */
} SnowfdwJwtSignature;

/* What check_key_encryption found wrong with a key's encryption */
typedef enum SnowfdwKdfVerdict
{
	SNOWFDW_KDF_OK,				/* not encrypted, or within the bounds */
	SNOWFDW_KDF_ITERATIONS,		/* PBKDF2 or PKCS#5 v1 / PKCS#12 count */
	SNOWFDW_KDF_SCRYPT,			/* scrypt N * r * p */
	SNOWFDW_KDF_UNREADABLE		/* parameters that do not parse */
} SnowfdwKdfVerdict;

typedef struct SnowfdwKdfCheck
{
	SnowfdwKdfVerdict verdict;
	uint64		iterations;		/* for SNOWFDW_KDF_ITERATIONS */
	uint64		scrypt_n;		/* for SNOWFDW_KDF_SCRYPT */
	uint64		scrypt_r;
	uint64		scrypt_p;
} SnowfdwKdfCheck;

static const char base64_std_chars[] =
"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
static const char base64_url_chars[] =
"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

static size_t base64_encoded_len(size_t srclen, bool url);
static size_t encode_base64(const unsigned char *src, size_t srclen,
							char *dst, bool url);
static void upcase_ascii(char *str);
static bool has_global_marker(const char *account);
static int	supply_passphrase(char *buf, int size, int rwflag, void *userdata);
static void fetch_openssl_error(char *buf, size_t buflen);
static BIO *new_key_bio(const char *private_key_pem);
static void check_key_encryption(const char *private_key_pem,
								 int sqlerrcode);
static void inspect_pem_block(const unsigned char *der, long len,
							  SnowfdwKdfCheck *check);
static void inspect_pbes2(const ASN1_STRING *params, SnowfdwKdfCheck *check);
static void inspect_count(const ASN1_INTEGER *count, SnowfdwKdfCheck *check);
static uint64 asn1_uint64(const ASN1_INTEGER *value);
pg_noreturn static void report_costly_key(const SnowfdwKdfCheck *check,
										  int sqlerrcode);
static EVP_PKEY *load_rsa_key(const char *private_key_pem,
							  const char *passphrase, int sqlerrcode);
pg_noreturn static void report_unreadable_key(const SnowfdwPassphrase *pw,
										  const char *errbuf,
										  int sqlerrcode);
static bool compute_fingerprint(EVP_PKEY *pkey, char *dst);
static void jwt_claim_names(const char *account, const char *user,
							char **account_name, char **user_name);
static int	append_jwt_claims(StringInfo buf, const char *account_name,
							  const char *user_name, int64 issued_at,
							  int64 expires_at);
static void sign_jwt(EVP_PKEY *pkey, StringInfo claims, int fingerprint_offset,
					 char *token, SnowfdwJwtSignature *sig);
static size_t write_signing_input(char *dst, StringInfo claims);
pg_noreturn static void report_signing_failure(SnowfdwJwtSignature *sig);


/*
 * snowfdw_jwt_account_name
 *		Return the upper-cased account name used in key-pair JWT claims.
 *
 * Like Snowflake's Python connector: for a ".global" (replication) identifier
 * keep the text before the first '-', otherwise the text before the first
 * '.', which drops the region and cloud of a locator and any domain suffix.
 * An "orgname-account_name" identifier keeps its hyphen.  ".global" is
 * matched case-insensitively, since host names are.  The result is palloc'd.
 */
char *
snowfdw_jwt_account_name(const char *account)
{
	const char *end = NULL;
	char	   *result;

	if (has_global_marker(account))
		end = strchr(account, '-');
	if (end == NULL)
		end = strchr(account, '.');
	if (end == NULL)
		end = account + strlen(account);

	result = pnstrdup(account, end - account);
	upcase_ascii(result);

	return result;
}

/*
 * snowfdw_jwt_user_name
 *		Return the upper-cased user name used in key-pair JWT claims.
 *
 * The "user" option is a Snowflake identifier; a double-quoted one (needed
 * for a name such as an e-mail address) loses its quotes and stands for
 * itself, with each "" made one ".  Like Snowflake's connectors, the
 * result is upper-cased in either case: login names ignore case.  The
 * result is palloc'd.
 */
char *
snowfdw_jwt_user_name(const char *user)
{
	char	   *result;
	char	   *dst;
	const char *src;
	size_t		len = strlen(user);

	if (len >= 2 && user[0] == '"' && user[len - 1] == '"')
	{
		result = dst = palloc(len - 1);
		for (src = user + 1; src < user + len - 1; src++)
		{
			*dst++ = *src;
			if (*src == '"' && src[1] == '"')
				src++;
		}
		*dst = '\0';
	}
	else
		result = pstrdup(user);
	upcase_ascii(result);

	return result;
}

/*
 * snowfdw_build_keypair_jwt
 *		Return an RS256-signed key-pair JWT for an account and user.
 *
 * The claims are iss, sub, iat = issued_at and exp = issued_at +
 * lifetime_secs (Unix seconds); account and user are upper-cased.  The result
 * is palloc'd; it is a credential and must never be logged.
 */
char *
snowfdw_build_keypair_jwt(const char *account, const char *user,
						  const char *private_key_pem, const char *passphrase,
						  int64 issued_at, int lifetime_secs)
{
	char	   *account_name;
	char	   *user_name;
	int64		expires_at;
	StringInfoData claims;
	int			fingerprint_offset;
	size_t		token_size;
	char	   *token;
	size_t		pos;
	EVP_PKEY   *pkey;
	SnowfdwJwtSignature sig;

	Assert(account != NULL && user != NULL);

	if (lifetime_secs <= 0 ||
		pg_add_s64_overflow(issued_at, lifetime_secs, &expires_at))
		elog(ERROR, "invalid JWT lifetime %d for issue time " INT64_FORMAT,
			 lifetime_secs, issued_at);

	jwt_claim_names(account, user, &account_name, &user_name);

	/*
	 * Build the claims with a placeholder for the fingerprint, and allocate
	 * the token at its largest possible size, before the key is loaded: see
	 * the file header comment.
	 */
	initStringInfo(&claims);
	fingerprint_offset = append_jwt_claims(&claims, account_name, user_name,
										   issued_at, expires_at);

	token_size = base64_encoded_len(strlen(SNOWFDW_JWT_HEADER), true) + 1 +
		base64_encoded_len(claims.len, true) + 1 +
		base64_encoded_len(SNOWFDW_MAX_SIGNATURE_LEN, true) + 1;
	token = palloc(token_size);

	/* From here until the key is freed, nothing may throw */
	pkey = load_rsa_key(private_key_pem, passphrase,
						ERRCODE_FDW_INVALID_ATTRIBUTE_VALUE);
	sign_jwt(pkey, &claims, fingerprint_offset, token, &sig);
	EVP_PKEY_free(pkey);
	ERR_clear_error();

	if (!sig.sign_ok)
		report_signing_failure(&sig);

	pos = sig.input_len;
	token[pos++] = '.';
	pos += encode_base64(sig.bytes, sig.len, token + pos, true);
	Assert(pos < token_size);
	explicit_bzero(sig.bytes, sizeof(sig.bytes));

	pfree(claims.data);
	pfree(user_name);
	pfree(account_name);

	return token;
}

/*
 * snowfdw_check_private_key
 *		Report an error unless a private key loads as an RSA key.
 *
 * The user mapping validator calls this, so that a value that is not a PEM
 * RSA private key, an encrypted key without its passphrase or a wrong
 * passphrase is refused when the option is set, not at the first query.
 * The errors are those of a query, with SQLSTATE 22023.
 */
void
snowfdw_check_private_key(const char *private_key_pem, const char *passphrase)
{
	EVP_PKEY   *pkey;

	pkey = load_rsa_key(private_key_pem, passphrase,
						ERRCODE_INVALID_PARAMETER_VALUE);
	EVP_PKEY_free(pkey);
	ERR_clear_error();
}

/*
 * jwt_claim_names
 *		Set the upper-cased account and user names of the claims, refusing
 *		an empty one.
 *
 * Both are palloc'd.
 */
static void
jwt_claim_names(const char *account, const char *user,
				char **account_name, char **user_name)
{
	*account_name = snowfdw_jwt_account_name(account);
	if ((*account_name)[0] == '\0')
		ereport(ERROR,
				(errcode(ERRCODE_FDW_INVALID_ATTRIBUTE_VALUE),
				 errmsg("cannot build a key-pair JWT for Snowflake account \"%s\"",
						account),
				 errdetail("The account name part of the identifier is empty.")));

	*user_name = snowfdw_jwt_user_name(user);
	if ((*user_name)[0] == '\0')
		ereport(ERROR,
				(errcode(ERRCODE_FDW_INVALID_ATTRIBUTE_VALUE),
				 errmsg("cannot build a key-pair JWT for an empty Snowflake user name")));
}

/*
 * append_jwt_claims
 *		Append the JSON claims to buf, with spaces where the public key
 *		fingerprint goes, and return the offset of those spaces.
 *
 * The fingerprint is known only once the key is loaded, and nothing may be
 * palloc'd then (see the file header comment), so its room is kept now.
 */
static int
append_jwt_claims(StringInfo buf, const char *account_name,
				  const char *user_name, int64 issued_at, int64 expires_at)
{
	int			fingerprint_offset;

	appendStringInfoString(buf, "{\"iss\":\"");
	snowfdw_json_escape(buf, account_name);
	appendStringInfoChar(buf, '.');
	snowfdw_json_escape(buf, user_name);
	appendStringInfoChar(buf, '.');
	fingerprint_offset = buf->len;
	appendStringInfoSpaces(buf, SNOWFDW_FINGERPRINT_LEN);
	appendStringInfoString(buf, "\",\"sub\":\"");
	snowfdw_json_escape(buf, account_name);
	appendStringInfoChar(buf, '.');
	snowfdw_json_escape(buf, user_name);
	appendStringInfo(buf,
					 "\",\"iat\":" INT64_FORMAT ",\"exp\":" INT64_FORMAT "}",
					 issued_at, expires_at);

	return fingerprint_offset;
}

/*
 * sign_jwt
 *		Fill in the fingerprint, write the signing input at the start of the
 *		token and sign it with the key.
 *
 * It runs while the key is loaded, so it must not throw: sig records what
 * failed, with OpenSSL's reason, for report_signing_failure once the key is
 * freed.  token must have room for the encoded header and claims.
 */
static void
sign_jwt(EVP_PKEY *pkey, StringInfo claims, int fingerprint_offset,
		 char *token, SnowfdwJwtSignature *sig)
{
	char		fingerprint[SNOWFDW_FINGERPRINT_LEN + 1];
	EVP_MD_CTX *mdctx = NULL;
	EVP_PKEY_CTX *pctx = NULL;

	sig->input_len = 0;
	sig->len = 0;
	sig->sign_ok = false;
	sig->fingerprint_ok = compute_fingerprint(pkey, fingerprint);
	sig->key_size_ok = EVP_PKEY_get_size(pkey) > 0 &&
		EVP_PKEY_get_size(pkey) <= SNOWFDW_MAX_SIGNATURE_LEN;
	if (sig->fingerprint_ok && sig->key_size_ok)
	{
		memcpy(claims->data + fingerprint_offset, fingerprint,
			   SNOWFDW_FINGERPRINT_LEN);
		sig->input_len = write_signing_input(token, claims);

		sig->len = sizeof(sig->bytes);
		mdctx = EVP_MD_CTX_new();
		sig->sign_ok = mdctx != NULL &&
			EVP_DigestSignInit(mdctx, &pctx, EVP_sha256(), NULL, pkey) == 1 &&
			EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) > 0 &&
			EVP_DigestSign(mdctx, sig->bytes, &sig->len,
						   (const unsigned char *) token, sig->input_len) == 1;
	}
	if (!sig->sign_ok)
		fetch_openssl_error(sig->errbuf, sizeof(sig->errbuf));
	EVP_MD_CTX_free(mdctx);		/* also frees pctx */
}

/*
 * write_signing_input
 *		Write "<header>.<claims>", each base64url, to dst and return its
 *		length.
 *
 * The signing input is the start of the token.  Does not throw.
 */
static size_t
write_signing_input(char *dst, StringInfo claims)
{
	size_t		pos;

	pos = encode_base64((const unsigned char *) SNOWFDW_JWT_HEADER,
						strlen(SNOWFDW_JWT_HEADER), dst, true);
	dst[pos++] = '.';
	pos += encode_base64((const unsigned char *) claims->data, claims->len,
						 dst + pos, true);

	return pos;
}

/*
 * report_signing_failure
 *		Report why sign_jwt could not sign, once the key is freed.
 *
 * A failed fingerprint is reported first, then a key too large for the
 * signature buffer, then the signing itself.
 */
static void
report_signing_failure(SnowfdwJwtSignature *sig)
{
	if (!sig->fingerprint_ok)
		ereport(ERROR,
				(errcode(ERRCODE_EXTERNAL_ROUTINE_INVOCATION_EXCEPTION),
				 errmsg("could not compute the public key fingerprint of user mapping option \"private_key\""),
				 errdetail("OpenSSL error: %s.", sig->errbuf)));
	if (!sig->key_size_ok)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_INVALID_ATTRIBUTE_VALUE),
				 errmsg("cannot sign key-pair JWT with user mapping option \"private_key\""),
				 errdetail("The RSA key is larger than %d bits.",
						   OPENSSL_RSA_MAX_MODULUS_BITS)));

	explicit_bzero(sig->bytes, sizeof(sig->bytes));
	ereport(ERROR,
			(errcode(ERRCODE_EXTERNAL_ROUTINE_INVOCATION_EXCEPTION),
			 errmsg("could not sign key-pair JWT with user mapping option \"private_key\""),
			 errdetail("OpenSSL error: %s.", sig->errbuf)));
	pg_unreachable();
}

/*
 * base64_encoded_len
 *		Length of the base64 encoding of srclen bytes, without the NUL.
 *
 * The URL-safe form (RFC 7515 base64url) has no padding.
 */
static size_t
base64_encoded_len(size_t srclen, bool url)
{
	if (url)
		return srclen / 3 * 4 + (srclen % 3 == 0 ? 0 : srclen % 3 + 1);
	return (srclen + 2) / 3 * 4;
}

/*
 * encode_base64
 *		Encode src as standard base64 with padding, or base64url without.
 *
 * dst must have room for base64_encoded_len() + 1 bytes; it is
 * NUL-terminated.  Returns the encoded length.
 */
static size_t
encode_base64(const unsigned char *src, size_t srclen, char *dst, bool url)
{
	const char *chars = url ? base64_url_chars : base64_std_chars;
	char	   *p = dst;
	size_t		i;
	uint32		v;

	for (i = 0; i + 2 < srclen; i += 3)
	{
		v = ((uint32) src[i] << 16) | ((uint32) src[i + 1] << 8) | src[i + 2];
		*p++ = chars[(v >> 18) & 0x3f];
		*p++ = chars[(v >> 12) & 0x3f];
		*p++ = chars[(v >> 6) & 0x3f];
		*p++ = chars[v & 0x3f];
	}

	if (srclen - i == 1)
	{
		v = (uint32) src[i] << 16;
		*p++ = chars[(v >> 18) & 0x3f];
		*p++ = chars[(v >> 12) & 0x3f];
		if (!url)
		{
			*p++ = '=';
			*p++ = '=';
		}
	}
	else if (srclen - i == 2)
	{
		v = ((uint32) src[i] << 16) | ((uint32) src[i + 1] << 8);
		*p++ = chars[(v >> 18) & 0x3f];
		*p++ = chars[(v >> 12) & 0x3f];
		*p++ = chars[(v >> 6) & 0x3f];
		if (!url)
			*p++ = '=';
	}

	*p = '\0';
	return p - dst;
}

/*
 * upcase_ascii
 *		Upper-case the ASCII letters of str in place.
 *
 * Other bytes, including those of multibyte characters, are left alone, so
 * the result does not depend on the locale.
 */
static void
upcase_ascii(char *str)
{
	char	   *p;

	for (p = str; *p != '\0'; p++)
		*p = (char) pg_ascii_toupper((unsigned char) *p);
}

/*
 * has_global_marker
 *		True if an account identifier contains ".global", in any case.
 */
static bool
has_global_marker(const char *account)
{
	const char *p;

	for (p = strchr(account, '.'); p != NULL; p = strchr(p + 1, '.'))
	{
		if (pg_strncasecmp(p, ".global", strlen(".global")) == 0)
			return true;
	}

	return false;
}

/*
 * supply_passphrase
 *		pem_password_cb handing the configured passphrase to OpenSSL.
 *
 * OpenSSL calls this only for an encrypted key.  Without a configured
 * passphrase it fails instead of letting OpenSSL prompt on the terminal.  It
 * runs inside OpenSSL, so it must not throw.
 */
static int
supply_passphrase(char *buf, int size, int rwflag, void *userdata)
{
	SnowfdwPassphrase *pw = (SnowfdwPassphrase *) userdata;
	size_t		len;

	(void) rwflag;

	pw->requested = true;
	if (pw->passphrase == NULL)
		return -1;

	len = strlen(pw->passphrase);
	if (size < 0 || len > (size_t) size)
		return -1;
	memcpy(buf, pw->passphrase, len);

	return (int) len;
}

/*
 * fetch_openssl_error
 *		Copy the reason of the oldest queued OpenSSL error into buf.
 *
 * The error queue is cleared afterwards.  Only the reason text is kept, never
 * the error data, which may quote the input.
 */
static void
fetch_openssl_error(char *buf, size_t buflen)
{
	unsigned long ecode = ERR_get_error();
	const char *reason;

	if (ecode == 0)
		strlcpy(buf, "no error was reported", buflen);
	else if ((reason = ERR_reason_error_string(ecode)) != NULL)
		strlcpy(buf, reason, buflen);
	else
		ERR_error_string_n(ecode, buf, buflen);

	ERR_clear_error();
}

/*
 * load_rsa_key
 *		Parse a PEM private key and check that it is an RSA key.
 *
 * Accepts PKCS#1 ("RSA PRIVATE KEY") and PKCS#8 ("PRIVATE KEY"), and
 * encrypted PKCS#8 ("ENCRYPTED PRIVATE KEY") with a passphrase.  On failure,
 * frees everything and reports an error with SQLSTATE sqlerrcode (a missing
 * option aside); the caller must free the result with EVP_PKEY_free.
 */
static EVP_PKEY *
load_rsa_key(const char *private_key_pem, const char *passphrase,
			 int sqlerrcode)
{
	SnowfdwPassphrase pw;
	BIO		   *bio;
	EVP_PKEY   *pkey;
	const char *type_name;
	char		errbuf[SNOWFDW_SSL_ERRBUF_LEN];
	char		key_type[64];

	if (private_key_pem == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_OPTION_NAME_NOT_FOUND),
				 errmsg("user mapping option \"private_key\" is required for key-pair authentication")));
	if (private_key_pem[0] == '\0')
		ereport(ERROR,
				(errcode(sqlerrcode),
				 errmsg("could not load private key from user mapping option \"private_key\""),
				 errdetail("The option value is empty.")));

	if (strlen(private_key_pem) > SNOWFDW_MAX_KEY_PEM_LEN)
		ereport(ERROR,
				(errcode(sqlerrcode),
				 errmsg("could not load private key from user mapping option \"private_key\""),
				 errdetail("The option value is longer than %d bytes.",
						   SNOWFDW_MAX_KEY_PEM_LEN)));

	/* before OpenSSL decrypts: its key derivation cannot be interrupted */
	check_key_encryption(private_key_pem, sqlerrcode);

	bio = new_key_bio(private_key_pem);
	pw.passphrase = passphrase;
	pw.requested = false;
	pkey = PEM_read_bio_PrivateKey(bio, NULL, supply_passphrase, &pw);
	if (pkey == NULL)
		fetch_openssl_error(errbuf, sizeof(errbuf));
	BIO_free(bio);

	if (pkey == NULL)
	{
		ERR_clear_error();
		report_unreadable_key(&pw, errbuf, sqlerrcode);
	}

	if (EVP_PKEY_get_base_id(pkey) != EVP_PKEY_RSA)
	{
		type_name = EVP_PKEY_get0_type_name(pkey);
		strlcpy(key_type, type_name != NULL ? type_name : "unrecognized",
				sizeof(key_type));
		EVP_PKEY_free(pkey);
		ERR_clear_error();
		ereport(ERROR,
				(errcode(sqlerrcode),
				 errmsg("private key in user mapping option \"private_key\" is not an RSA key"),
				 errdetail("The key type is %s, but Snowflake key-pair authentication requires RSA.",
						   key_type)));
	}

	if (EVP_PKEY_get_bits(pkey) > SNOWFDW_MAX_RSA_BITS)
	{
		int			bits = EVP_PKEY_get_bits(pkey);

		EVP_PKEY_free(pkey);
		ERR_clear_error();
		ereport(ERROR,
				(errcode(sqlerrcode),
				 errmsg("private key in user mapping option \"private_key\" is too large"),
				 errdetail("The RSA key has %d bits; at most %d are accepted.",
						   bits, SNOWFDW_MAX_RSA_BITS)));
	}

	ERR_clear_error();
	return pkey;
}

/*
 * new_key_bio
 *		A read-only memory BIO over the key text, with a clear error queue
 */
static BIO *
new_key_bio(const char *private_key_pem)
{
	BIO		   *bio;

	ERR_clear_error();
	bio = BIO_new_mem_buf(private_key_pem, -1);
	if (bio == NULL)
	{
		ERR_clear_error();
		ereport(ERROR,
				(errcode(ERRCODE_OUT_OF_MEMORY),
				 errmsg("out of memory")));
	}
	return bio;
}

/*
 * check_key_encryption
 *		Refuse a key whose key derivation costs more than the bounds.
 *
 * Reads the parameters of every encrypted PKCS#8 block of the PEM text,
 * which is all OpenSSL's decoder might decrypt, without decrypting anything.
 * Legacy PEM encryption ("Proc-Type: 4,ENCRYPTED") derives with one MD5
 * round and needs no check.  Nothing throws while OpenSSL objects are held.
 */
static void
check_key_encryption(const char *private_key_pem, int sqlerrcode)
{
	BIO		   *bio = new_key_bio(private_key_pem);
	SnowfdwKdfCheck check;
	char	   *name = NULL;
	char	   *header = NULL;
	unsigned char *der = NULL;
	long		len = 0;

	memset(&check, 0, sizeof(check));
	while (check.verdict == SNOWFDW_KDF_OK &&
		   PEM_read_bio(bio, &name, &header, &der, &len) == 1)
	{
		inspect_pem_block(der, len, &check);
		OPENSSL_free(name);
		OPENSSL_free(header);
		OPENSSL_clear_free(der, len);	/* may be an unencrypted key */
		name = header = NULL;
		der = NULL;
	}
	BIO_free(bio);
	ERR_clear_error();

	if (check.verdict != SNOWFDW_KDF_OK)
		report_costly_key(&check, sqlerrcode);
}

/*
 * inspect_pem_block
 *		Check the key derivation of one PEM block, if it is an encrypted
 *		PKCS#8 key (whatever its PEM name: the decoder does not insist)
 */
static void
inspect_pem_block(const unsigned char *der, long len, SnowfdwKdfCheck *check)
{
	const unsigned char *p = der;
	X509_SIG   *sig = d2i_X509_SIG(NULL, &p, len);
	const X509_ALGOR *alg;
	const ASN1_OBJECT *oid;
	int			ptype;
	const void *pval;
	int			nid;
	PBEPARAM   *pbe;

	if (sig == NULL)
		return;
	X509_SIG_get0(sig, &alg, NULL);
	X509_ALGOR_get0(&oid, &ptype, &pval, alg);
	nid = OBJ_obj2nid(oid);

	if (nid == NID_pbes2)
	{
		if (ptype == V_ASN1_SEQUENCE)
			inspect_pbes2(pval, check);
		else
			check->verdict = SNOWFDW_KDF_UNREADABLE;
	}
	else if (EVP_PBE_find(EVP_PBE_TYPE_OUTER, nid, NULL, NULL, NULL))
	{
		/* PKCS#5 v1 or PKCS#12 scheme: a salt and an iteration count */
		pbe = ptype == V_ASN1_SEQUENCE ?
			ASN1_item_unpack(pval, ASN1_ITEM_rptr(PBEPARAM)) : NULL;
		if (pbe == NULL)
			check->verdict = SNOWFDW_KDF_UNREADABLE;
		else
			inspect_count(pbe->iter, check);
		PBEPARAM_free(pbe);
	}
	/* any other scheme OpenSSL cannot decrypt: it reports that itself */

	X509_SIG_free(sig);
}

/*
 * inspect_pbes2
 *		Check the key derivation function of PBES2 parameters
 */
static void
inspect_pbes2(const ASN1_STRING *params, SnowfdwKdfCheck *check)
{
	PBE2PARAM  *pbe2 = ASN1_item_unpack(params, ASN1_ITEM_rptr(PBE2PARAM));
	const ASN1_OBJECT *oid;
	int			ptype;
	const void *pval;
	PBKDF2PARAM *pbkdf2;
	SCRYPT_PARAMS *scrypt;

	if (pbe2 == NULL)
	{
		check->verdict = SNOWFDW_KDF_UNREADABLE;
		return;
	}
	X509_ALGOR_get0(&oid, &ptype, &pval, pbe2->keyfunc);

	if (ptype != V_ASN1_SEQUENCE)
		check->verdict = SNOWFDW_KDF_UNREADABLE;
	else if (OBJ_obj2nid(oid) == NID_id_pbkdf2)
	{
		pbkdf2 = ASN1_item_unpack(pval, ASN1_ITEM_rptr(PBKDF2PARAM));
		if (pbkdf2 == NULL)
			check->verdict = SNOWFDW_KDF_UNREADABLE;
		else
			inspect_count(pbkdf2->iter, check);
		PBKDF2PARAM_free(pbkdf2);
	}
	else if (OBJ_obj2nid(oid) == NID_id_scrypt)
	{
		scrypt = ASN1_item_unpack(pval, ASN1_ITEM_rptr(SCRYPT_PARAMS));
		if (scrypt == NULL)
			check->verdict = SNOWFDW_KDF_UNREADABLE;
		else
		{
			check->scrypt_n = asn1_uint64(scrypt->costParameter);
			check->scrypt_r = asn1_uint64(scrypt->blockSize);
			check->scrypt_p = asn1_uint64(scrypt->parallelizationParameter);
			/* each factor first, so that the product cannot overflow */
			if (check->scrypt_n > SNOWFDW_MAX_SCRYPT_COST ||
				check->scrypt_r > SNOWFDW_MAX_SCRYPT_COST ||
				check->scrypt_p > SNOWFDW_MAX_SCRYPT_COST ||
				check->scrypt_n * check->scrypt_r * check->scrypt_p >
				SNOWFDW_MAX_SCRYPT_COST)
				check->verdict = SNOWFDW_KDF_SCRYPT;
		}
		SCRYPT_PARAMS_free(scrypt);
	}
	else
		check->verdict = SNOWFDW_KDF_UNREADABLE;

	PBE2PARAM_free(pbe2);
}

/*
 * inspect_count
 *		Check an iteration count (PBKDF2, PKCS#5 v1, PKCS#12)
 */
static void
inspect_count(const ASN1_INTEGER *count, SnowfdwKdfCheck *check)
{
	check->iterations = asn1_uint64(count);
	if (check->iterations > SNOWFDW_MAX_KDF_ITERATIONS)
		check->verdict = SNOWFDW_KDF_ITERATIONS;
}

/*
 * asn1_uint64
 *		An ASN.1 INTEGER as uint64; PG_UINT64_MAX if it is missing, negative
 *		or larger, so that it fails any bound
 */
static uint64
asn1_uint64(const ASN1_INTEGER *value)
{
	uint64_t	result;

	if (value == NULL || ASN1_INTEGER_get_uint64(&result, value) != 1)
		return PG_UINT64_MAX;
	return (uint64) result;
}

/*
 * report_costly_key
 *		Report a key refused by check_key_encryption
 *
 * The parameters are no secret: they are stored in the clear beside the
 * encrypted key.
 */
static void
report_costly_key(const SnowfdwKdfCheck *check, int sqlerrcode)
{
	const char *hint = "Re-encrypt the key with a lower cost, for example with \"openssl pkcs8 -topk8 -v2 aes-256-cbc -iter 2048\".";

	if (check->verdict == SNOWFDW_KDF_ITERATIONS)
		ereport(ERROR,
				(errcode(sqlerrcode),
				 errmsg("cannot decrypt private key in user mapping option \"private_key\""),
				 errdetail("The key is encrypted with " UINT64_FORMAT " key derivation iterations; at most %d are accepted.",
						   check->iterations, SNOWFDW_MAX_KDF_ITERATIONS),
				 errhint("%s", hint)));
	if (check->verdict == SNOWFDW_KDF_SCRYPT)
		ereport(ERROR,
				(errcode(sqlerrcode),
				 errmsg("cannot decrypt private key in user mapping option \"private_key\""),
				 errdetail("The key is encrypted with scrypt parameters N = " UINT64_FORMAT ", r = " UINT64_FORMAT ", p = " UINT64_FORMAT "; N * r * p may be at most " UINT64_FORMAT ".",
						   check->scrypt_n, check->scrypt_r, check->scrypt_p,
						   SNOWFDW_MAX_SCRYPT_COST),
				 errhint("%s", hint)));
	ereport(ERROR,
			(errcode(sqlerrcode),
			 errmsg("cannot decrypt private key in user mapping option \"private_key\""),
			 errdetail("The key derivation parameters of the encrypted key cannot be read or are not PBKDF2 or scrypt."),
			 errhint("%s", hint)));
	pg_unreachable();
}

/*
 * report_unreadable_key
 *		Report why the PEM decoder could not read a private key.
 *
 * pw says whether the decoder asked for a passphrase and whether one was
 * configured; errbuf holds OpenSSL's reason.  The error has SQLSTATE
 * sqlerrcode, as load_rsa_key's others.
 */
static void
report_unreadable_key(const SnowfdwPassphrase *pw, const char *errbuf,
					  int sqlerrcode)
{
	if (pw->requested && pw->passphrase == NULL)
		ereport(ERROR,
				(errcode(sqlerrcode),
				 errmsg("could not load private key from user mapping option \"private_key\""),
				 errdetail("The private key is encrypted, but no passphrase was given."),
				 errhint("Set user mapping option \"private_key_passphrase\".")));
	if (pw->requested)
		ereport(ERROR,
				(errcode(sqlerrcode),
				 errmsg("could not load private key from user mapping option \"private_key\""),
				 errdetail("OpenSSL error: %s.", errbuf),
				 errhint("Check that the passphrase matches the private key.")));
	ereport(ERROR,
			(errcode(sqlerrcode),
			 errmsg("could not load private key from user mapping option \"private_key\""),
			 errdetail("OpenSSL error: %s.", errbuf),
			 errhint("The option must hold a PEM-encoded RSA private key.")));
	pg_unreachable();
}

/*
 * compute_fingerprint
 *		Write "SHA256:<base64>" of the key's DER SubjectPublicKeyInfo to dst.
 *
 * dst must have room for SNOWFDW_FINGERPRINT_LEN + 1 bytes.  Returns false,
 * with the reason in the OpenSSL error queue, on failure.  Does not throw.
 */
static bool
compute_fingerprint(EVP_PKEY *pkey, char *dst)
{
	unsigned char *der = NULL;
	int			derlen;
	unsigned char digest[EVP_MAX_MD_SIZE];
	unsigned int digestlen = 0;
	bool		ok;

	derlen = i2d_PUBKEY(pkey, &der);
	if (derlen <= 0)
		return false;

	ok = EVP_Digest(der, derlen, digest, &digestlen, EVP_sha256(), NULL) == 1 &&
		digestlen == SNOWFDW_SHA256_LEN;
	OPENSSL_free(der);
	if (!ok)
		return false;

	memcpy(dst, SNOWFDW_FINGERPRINT_PREFIX,
		   sizeof(SNOWFDW_FINGERPRINT_PREFIX) - 1);
	encode_base64(digest, digestlen,
				  dst + sizeof(SNOWFDW_FINGERPRINT_PREFIX) - 1, false);

	return true;
}
