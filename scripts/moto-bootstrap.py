"""Gives the local moto server the two identities the platform meets in AWS, then turns on its IAM
authorization, so signatures, trust policies and permissions are checked as AWS would:

- `platform`: the platform's own base identity (on Lambda, its execution role). It may only
  call sts:AssumeRole (and GetCallerIdentity) — everything else it does, it does as a customer's role.
- `customer-admin`: an administrator of the (local) customer account, for creating the roles,
  buckets and instances a customer would have.

Prints shell `export` lines for with-services.sh to evaluate. Usage: moto-bootstrap.py ENDPOINT
"""
import json
import sys
import urllib.request

import boto3

endpoint = sys.argv[1]
iam = boto3.client("iam", endpoint_url=endpoint, region_name="us-east-1",
                   aws_access_key_id="bootstrap", aws_secret_access_key="bootstrap")


def user(name, policy_arn=None, inline=None):
    arn = iam.create_user(UserName=name)["User"]["Arn"]
    if policy_arn:
        iam.attach_user_policy(UserName=name, PolicyArn=policy_arn)
    if inline:
        iam.put_user_policy(UserName=name, PolicyName=f"{name}-policy", PolicyDocument=json.dumps(inline))
    key = iam.create_access_key(UserName=name)["AccessKey"]
    return arn, key["AccessKeyId"], key["SecretAccessKey"]


platform_arn, platform_key, platform_secret = user("platform", inline={
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": ["sts:AssumeRole", "sts:GetCallerIdentity"], "Resource": "*"}],
})
_, customer_key, customer_secret = user("customer-admin", policy_arn="arn:aws:iam::aws:policy/AdministratorAccess")

# From here on every request must be signed by a known key and allowed by its policies.
urllib.request.urlopen(urllib.request.Request(f"{endpoint}/moto-api/reset-auth", data=b"0", method="POST", headers={"Content-Type": "text/plain"}), timeout=10).read()

for name, value in [
    ("AWS_ACCESS_KEY_ID", platform_key), ("AWS_SECRET_ACCESS_KEY", platform_secret),
    ("PLATFORM_AWS_PRINCIPAL_ARN", platform_arn),
    ("CUSTOMER_AWS_ACCESS_KEY_ID", customer_key), ("CUSTOMER_AWS_SECRET_ACCESS_KEY", customer_secret),
]:
    print(f"export {name}='{value}'")
