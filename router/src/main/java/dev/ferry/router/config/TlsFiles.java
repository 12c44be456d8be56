package dev.ferry.router.config;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;

/**
 * Whether a PEM private key belongs to a PEM certificate: Netty's JDK TLS reads both without comparing them, and a
 * mismatch would only show as every handshake failing once the router is up.
 */
final class TlsFiles {
    private static final byte[] PROBE =
            "ferry: does this key belong to its certificate".getBytes(StandardCharsets.UTF_8);

    private TlsFiles() {}

    /** True when the key signs what the leaf certificate's public key verifies; true too for a key type not known here. */
    static boolean keyMatches(Path certificate, Path privateKey) throws IOException, GeneralSecurityException {
        X509Certificate leaf;
        try (InputStream in = Files.newInputStream(certificate)) {
            leaf = (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
        }
        String algorithm = leaf.getPublicKey().getAlgorithm();
        String signing =
                switch (algorithm) {
                    case "EC" -> "SHA256withECDSA";
                    case "RSA" -> "SHA256withRSA";
                    case "Ed25519", "EdDSA" -> "Ed25519";
                    default -> null;
                };
        if (signing == null) {
            return true;
        }
        PrivateKey key = KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(pkcs8(privateKey)));
        Signature signer = Signature.getInstance(signing);
        signer.initSign(key);
        signer.update(PROBE);
        byte[] signature = signer.sign();
        Signature verifier = Signature.getInstance(signing);
        verifier.initVerify(leaf.getPublicKey());
        verifier.update(PROBE);
        return verifier.verify(signature);
    }

    /** The DER bytes of a PEM {@code PRIVATE KEY} block. */
    private static byte[] pkcs8(Path file) throws IOException {
        String pem = Files.readString(file, StandardCharsets.US_ASCII);
        int begin = pem.indexOf("-----BEGIN PRIVATE KEY-----");
        int end = pem.indexOf("-----END PRIVATE KEY-----");
        if (begin < 0 || end < begin) {
            throw new IOException("no PEM 'PRIVATE KEY' block (PKCS#8) in " + file);
        }
        String base64 = pem.substring(begin + "-----BEGIN PRIVATE KEY-----".length(), end)
                .replaceAll("\\s", "");
        return Base64.getDecoder().decode(base64);
    }
}
