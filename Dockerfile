# nfsprov image for those who build with Docker: Maven, a jlinked Java 25 with only the modules used, non-root.
# scripts/build-image makes the same image without a container engine or a base image (Debian's libc6, bash,
# zlib1g, ca-certificates and tzdata plus the same /opt/nfsprov layout); the tests run that one on a real node.
FROM maven:3.9-eclipse-temurin-25 AS build
WORKDIR /src
COPY pom.xml .
COPY .mvn .mvn
RUN mvn -q -B dependency:go-offline
COPY src src
COPY bin bin
COPY scripts/build-image-layout scripts/build-image-layout
RUN mvn -q -B -DskipTests package && JAVA_HOME=/opt/java/openjdk scripts/build-image-layout /out

FROM debian:12-slim
# bash for the launcher; the JVM is jlinked, the share is mounted by the kubelet.
RUN groupadd --gid 65532 nfsprov && useradd --uid 65532 --gid 65532 --no-create-home --shell /sbin/nologin nfsprov
COPY --from=build /out /opt/nfsprov
ENV LANG=C.UTF-8 PATH=/opt/nfsprov/bin:/usr/bin:/bin TMPDIR=/tmp
USER 65532:65532
ENTRYPOINT ["/opt/nfsprov/bin/nfsprov"]
CMD ["controller"]
