#!/usr/bin/env python3
"""infra/template.yaml as AWS would take it, short of an account: SAM's own translator (the one
CloudFormation runs for `Transform: AWS::Serverless-2016-10-31`) expands it, and the result is
deployed as a stack into moto's CloudFormation at AWS_ENDPOINT_URL (make test's), as the local
customer administrator. A Ref/GetAtt to something that does not exist, a bad policy template or a
property SAM refuses fails here. Prints the resource types moto does not implement (created by no
one, so not checked beyond the translator). Then proves it can fail: the same template with one
reference broken must be refused.

    scripts/deploy-template-to-moto.py [TEMPLATE]
"""
import copy
import io
import json
import os
import sys
import uuid
import zipfile

import boto3
from cfnlint.decode import cfn_yaml
from samtranslator.translator.managed_policy_translator import ManagedPolicyLoader
from samtranslator.translator.transform import transform


# The translator finds the region the way boto3 does, and AWS CLI v1-era code reads only this name.
os.environ.setdefault("AWS_DEFAULT_REGION", os.environ.get("AWS_REGION", "us-east-1"))


def session():
    return boto3.session.Session(
        aws_access_key_id=os.environ.get("CUSTOMER_AWS_ACCESS_KEY_ID", os.environ.get("AWS_ACCESS_KEY_ID")),
        aws_secret_access_key=os.environ.get("CUSTOMER_AWS_SECRET_ACCESS_KEY", os.environ.get("AWS_SECRET_ACCESS_KEY")),
        region_name=os.environ.get("AWS_REGION", "us-east-1"))


def plain(node):
    """cfn-lint's YAML nodes as plain dicts, lists and strings (the translator checks types)."""
    if isinstance(node, dict):
        return {str(key): plain(value) for key, value in node.items()}
    if isinstance(node, list):
        return [plain(value) for value in node]
    if isinstance(node, str):
        return str(node)
    return node


def prepare(aws, template):
    """An S3 object for the code (CodeUri is the project folder until `sam build`/`sam package`
    replace it) and a secret for every secret parameter, as an operator would have them."""
    bucket = f"platform-artifacts-{uuid.uuid4().hex[:8]}"
    aws.client("s3").create_bucket(Bucket=bucket)
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("bootstrap", "#!/bin/sh\n")
    aws.client("s3").put_object(Bucket=bucket, Key="function.zip", Body=archive.getvalue())
    template["Globals"]["Function"]["CodeUri"] = f"s3://{bucket}/function.zip"

    secrets = aws.client("secretsmanager")
    parameters = {}
    suffix = uuid.uuid4().hex[:8]
    for name, definition in template["Parameters"].items():
        if name.endswith("Secret"):
            secret_name = f"platform/{name}-{suffix}"
            value = json.dumps({"url": "postgresql://authenticator@db.example/platform", "client_id": "id", "client_secret": "secret"})
            secrets.create_secret(Name=secret_name, SecretString=value)
            parameters[name] = secret_name
        elif name.endswith("URL"):
            parameters[name] = "https://platform.example.test"
        elif name.endswith("LayerArn"):
            # A layer as the operator publishes it (terraform and its providers; a stand-in file here).
            layer = aws.client("lambda").publish_layer_version(
                LayerName=f"{name}-{suffix}", Content={"S3Bucket": bucket, "S3Key": "function.zip"}, CompatibleRuntimes=["provided.al2023"])
            parameters[name] = layer["LayerVersionArn"]
        else:
            parameters[name] = str(definition.get("Default", "value"))
    return parameters


def deploy(aws, template, parameters, name):
    """Translates and creates the stack; returns (status, reason, stack resources, translated)."""
    translated = transform(template, parameters, ManagedPolicyLoader(aws.client("iam")))
    cloudformation = aws.client("cloudformation")
    cloudformation.create_stack(
        StackName=name, TemplateBody=json.dumps(translated),
        Parameters=[{"ParameterKey": key, "ParameterValue": value} for key, value in parameters.items()],
        Capabilities=["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM", "CAPABILITY_AUTO_EXPAND"])
    stack = cloudformation.describe_stacks(StackName=name)["Stacks"][0]
    resources = cloudformation.list_stack_resources(StackName=name)["StackResourceSummaries"]
    return stack["StackStatus"], stack.get("StackStatusReason", ""), resources, translated


def main():
    path = sys.argv[1] if len(sys.argv) > 1 else "infra/template.yaml"
    aws = session()
    template = plain(cfn_yaml.load(path))
    parameters = prepare(aws, template)

    status, reason, resources, translated = deploy(aws, copy.deepcopy(template), parameters, f"platform-{uuid.uuid4().hex[:8]}")
    if status != "CREATE_COMPLETE":
        print(f"the stack was not created: {status} {reason}", file=sys.stderr)
        return 1
    created = {resource["LogicalResourceId"] for resource in resources}
    expected = translated["Resources"]
    missing = sorted({expected[logical_id]["Type"] for logical_id in expected if logical_id not in created})
    functions = [r for r in resources if r["ResourceType"] == "AWS::Lambda::Function"]
    source_functions = [k for k, v in template["Resources"].items() if v["Type"] == "AWS::Serverless::Function"]
    if len(functions) != len(source_functions):
        print(f"{len(source_functions)} functions in the template, {len(functions)} created", file=sys.stderr)
        return 1
    print(f"stack created in moto: {len(created)} of {len(expected)} resources ({len(functions)} functions)")
    if missing:
        print("not implemented by moto's CloudFormation (checked by the translator only): " + ", ".join(missing))

    # It can fail: one broken reference (the scan queue a dispatcher sends to) must be refused.
    broken = copy.deepcopy(template)
    broken["Resources"]["ScanDispatchFunction"]["Properties"]["Environment"]["Variables"]["SCAN_QUEUE_URL"] = {"Ref": "ScanQueueThatDoesNotExist"}
    try:
        status, reason, _, _ = deploy(aws, broken, parameters, f"platform-broken-{uuid.uuid4().hex[:8]}")
    except Exception as error:  # the translator or CloudFormation refused it, as it must
        print(f"a template with a broken reference is refused: {type(error).__name__}: {str(error)[:300]}")
        return 0
    if status == "CREATE_COMPLETE":
        print("a template referring to a resource that does not exist was deployed", file=sys.stderr)
        return 1
    print(f"a template with a broken reference is refused: {status}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
