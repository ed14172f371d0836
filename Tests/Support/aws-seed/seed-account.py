"""Seeds the local (moto) customer account with resources that fail and pass each check, as the
customer's administrator (CUSTOMER_AWS_* keys). Prints what it made as JSON, so tests can
expect a verdict per resource. Usage: seed-account.py TAG [SCALE]
TAG makes names unique per run; SCALE > 1 multiplies the per-region resources (benchmarks)."""
import json
import os
import sys

import boto3

tag, scale = sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 1
regions = os.environ.get("SCAN_REGIONS", "us-east-1,eu-west-1").split(",")
keys = dict(endpoint_url=os.environ["AWS_ENDPOINT_URL"], aws_access_key_id=os.environ["CUSTOMER_AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=os.environ["CUSTOMER_AWS_SECRET_ACCESS_KEY"])


def client(service, region="us-east-1"):
    endpoint = os.environ.get(f"AWS_ENDPOINT_URL_{service.upper()}", keys["endpoint_url"])
    return boto3.client(service, region_name=region, **{**keys, "endpoint_url": endpoint})


made = {"buckets": {}, "users": {}, "policies": {}, "groups": {}, "volumes": {}, "snapshots": {}, "instances": {}, "vpcs": {},
        "databases": {}, "db_snapshots": {}, "keys": {}, "trails": {}}

# S3: one public bucket (policy for everyone), one locked-down bucket.
s3 = client("s3")
public, private = f"zcp-public-{tag}", f"zcp-private-{tag}"
s3.create_bucket(Bucket=public)
s3.put_bucket_policy(Bucket=public, Policy=json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{public}/*"}]}))
s3.create_bucket(Bucket=private)
s3.put_bucket_encryption(Bucket=private, ServerSideEncryptionConfiguration={"Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms"}}]})
s3.put_bucket_versioning(Bucket=private, VersioningConfiguration={"Status": "Enabled"})
s3.put_bucket_policy(Bucket=private, Policy=json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": [f"arn:aws:s3:::{private}", f"arn:aws:s3:::{private}/*"],
     "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]}))
s3.put_public_access_block(Bucket=private, PublicAccessBlockConfiguration={
    "BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True, "RestrictPublicBuckets": True})
made["buckets"] = {"public": f"arn:aws:s3:::{public}", "private": f"arn:aws:s3:::{private}"}

# IAM: a console user without MFA, a key user, an attached admin policy and a narrow one.
iam = client("iam")
console, keyed = f"zcp-console-{tag}", f"zcp-keys-{tag}"
made["users"]["console"] = iam.create_user(UserName=console)["User"]["Arn"]
iam.create_login_profile(UserName=console, Password="Correct-Horse-Battery-9")
made["users"]["keys"] = iam.create_user(UserName=keyed)["User"]["Arn"]
iam.create_access_key(UserName=keyed)
admin = iam.create_policy(PolicyName=f"zcp-admin-{tag}", PolicyDocument=json.dumps(
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}))["Policy"]["Arn"]
narrow = iam.create_policy(PolicyName=f"zcp-narrow-{tag}", PolicyDocument=json.dumps(
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["s3:GetObject"], "Resource": "*"}]}))["Policy"]["Arn"]
iam.attach_user_policy(UserName=keyed, PolicyArn=admin)
iam.attach_user_policy(UserName=keyed, PolicyArn=narrow)
made["policies"] = {"admin": admin, "narrow": narrow}
iam.update_account_password_policy(MinimumPasswordLength=8, PasswordReusePrevention=3)

for region in regions:
    ec2 = client("ec2", region)
    vpc = ec2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"][0]["VpcId"]
    logged = ec2.create_vpc(CidrBlock="10.42.0.0/16")["Vpc"]["VpcId"]
    ec2.create_flow_logs(ResourceIds=[logged], ResourceType="VPC", TrafficType="ALL", LogDestinationType="s3",
                         LogDestination=f"arn:aws:s3:::{private}")
    made["vpcs"][region] = {"logged": logged}
    for n in range(scale):
        ssh = ec2.create_security_group(GroupName=f"zcp-ssh-{tag}-{n}", Description="ssh", VpcId=vpc)["GroupId"]
        ec2.authorize_security_group_ingress(GroupId=ssh, IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])
        rdp = ec2.create_security_group(GroupName=f"zcp-rdp-{tag}-{n}", Description="rdp", VpcId=vpc)["GroupId"]
        ec2.authorize_security_group_ingress(GroupId=rdp, IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": 3389, "ToPort": 3389, "Ipv6Ranges": [{"CidrIpv6": "::/0"}]}])
        web = ec2.create_security_group(GroupName=f"zcp-web-{tag}-{n}", Description="web", VpcId=vpc)["GroupId"]
        ec2.authorize_security_group_ingress(GroupId=web, IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": [{"CidrIp": "10.0.0.0/8"}]}])
        plain = ec2.create_volume(AvailabilityZone=f"{region}a", Size=1)["VolumeId"]
        sealed = ec2.create_volume(AvailabilityZone=f"{region}a", Size=1, Encrypted=True)["VolumeId"]
        shared = ec2.create_snapshot(VolumeId=plain)["SnapshotId"]
        ec2.modify_snapshot_attribute(SnapshotId=shared, Attribute="createVolumePermission", OperationType="add", GroupNames=["all"])
        kept = ec2.create_snapshot(VolumeId=sealed)["SnapshotId"]
        if n == 0:
            made["groups"][region] = {"ssh": ssh, "rdp": rdp, "web": web}
            made["volumes"][region] = {"plain": plain, "sealed": sealed}
            made["snapshots"][region] = {"public": shared, "private": kept}
    image = ec2.describe_images(Owners=["amazon"])["Images"][0]["ImageId"]
    loose = ec2.run_instances(ImageId=image, MinCount=1, MaxCount=1, InstanceType="t3.micro")["Instances"][0]["InstanceId"]
    strict = ec2.run_instances(ImageId=image, MinCount=1, MaxCount=1, InstanceType="t3.micro",
                               MetadataOptions={"HttpTokens": "required"})["Instances"][0]["InstanceId"]
    made["instances"][region] = {"imdsv1": loose, "imdsv2": strict}

    rds = client("rds", region)
    exposed = rds.create_db_instance(DBInstanceIdentifier=f"zcp-exposed-{tag}", Engine="postgres", DBInstanceClass="db.t3.micro",
                                     MasterUsername="admin", MasterUserPassword="not-a-real-password", AllocatedStorage=20,
                                     PubliclyAccessible=True, StorageEncrypted=False)["DBInstance"]["DBInstanceArn"]
    sheltered = rds.create_db_instance(DBInstanceIdentifier=f"zcp-sheltered-{tag}", Engine="postgres", DBInstanceClass="db.t3.micro",
                                       MasterUsername="admin", MasterUserPassword="not-a-real-password", AllocatedStorage=20,
                                       PubliclyAccessible=False, StorageEncrypted=True)["DBInstance"]["DBInstanceArn"]
    snapshot = rds.create_db_snapshot(DBInstanceIdentifier=f"zcp-exposed-{tag}", DBSnapshotIdentifier=f"zcp-shared-{tag}")["DBSnapshot"]["DBSnapshotArn"]
    rds.modify_db_snapshot_attribute(DBSnapshotIdentifier=f"zcp-shared-{tag}", AttributeName="restore", ValuesToAdd=["all"])
    made["databases"][region] = {"exposed": exposed, "sheltered": sheltered}
    made["db_snapshots"][region] = {"public": snapshot}

    kms = client("kms", region)
    still = kms.create_key(Description=f"zcp-still-{tag}")["KeyMetadata"]["Arn"]
    turning = kms.create_key(Description=f"zcp-turning-{tag}")["KeyMetadata"]
    kms.enable_key_rotation(KeyId=turning["KeyId"])
    made["keys"][region] = {"unrotated": still, "rotated": turning["Arn"]}

# GuardDuty only in the last region; one multi-region trail without validation or KMS.
client("guardduty", regions[-1]).create_detector(Enable=True)
trail = client("cloudtrail").create_trail(Name=f"zcp-trail-{tag}", S3BucketName=private, IsMultiRegionTrail=True)["TrailARN"]
client("cloudtrail").start_logging(Name=f"zcp-trail-{tag}")
made["trails"] = {"main": trail}
print(json.dumps(made))
