# The two commands of the quick start: `make run` and `make test`. Both install what is missing,
# build, and start a private PostgreSQL under .local/ that they stop again on exit.
SWIFT ?= swift
PORT ?= 3000

.PHONY: deps build run test bench package lint clean

deps:
	@scripts/install-dependencies.sh

build: deps
	$(SWIFT) build

run: build
	GATEWAY_PORT=$(PORT) scripts/with-services.sh scripts/serve.sh

test: deps
	$(SWIFT) build --build-tests
	infra/package.sh
	PLATFORM_LAMBDA_BUNDLES=$(CURDIR)/.build/lambda scripts/with-services.sh --fresh scripts/test.sh

package: deps
	infra/package.sh

bench: deps
	bench/run.sh

lint: deps
	cfn-lint infra/template.yaml infra/customer-role.yaml infra/customer-provisioner-role.yaml

# `sam build` (BuildMethod: makefile) runs `make build-<LogicalId>` with ARTIFACTS_DIR set: the
# function named by that resource's Handler, as a self-contained bundle (infra/package.sh).
build-%:
	@test -n "$(ARTIFACTS_DIR)" || { echo "build-$*: ARTIFACTS_DIR is not set (sam build sets it)" >&2; exit 2; }
	infra/package.sh --into "$(ARTIFACTS_DIR)" "$$(scripts/template-functions.sh | awk -F'\t' -v id='$*' '$$1 == id { print $$2 }')"

clean:
	rm -rf .build .local
