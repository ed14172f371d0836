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
	cfn-lint infra/template.yaml infra/customer-role.yaml

clean:
	rm -rf .build .local
