# nfsprov image: build with Maven, jlink a Java 25 runtime with only the modules used, and run as non-root.
# scripts/build-image-layout produces the same layout (bin/ lib/ runtime/) without a container engine;
# the tests run the controller from it, so the entrypoint below is exercised in CI.
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
# bash for the launcher; nothing else: the JVM is jlinked, the share is mounted by the kubelet.
RUN apt-get update && apt-get install -y --no-install-recommends bash && rm -rf /var/lib/apt/lists/* \
 && useradd --uid 65532 --no-create-home --shell /usr/sbin/nologin nfsprov
COPY --from=build /out /opt/nfsprov
USER 65532
ENTRYPOINT ["/opt/nfsprov/bin/nfsprov"]
CMD ["controller"]
