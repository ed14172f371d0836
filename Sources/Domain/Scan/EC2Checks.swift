/// EC2 and VPC: security groups open to the internet, the default group, EBS encryption and
/// public snapshots, instance metadata and public addresses, flow logs.
enum EC2Checks {
    static let securityGroup = "AWS::EC2::SecurityGroup"

    static let all: [Check] = [
        openPort(22, id: "ec2_securitygroup_allow_ingress_from_internet_to_tcp_port_22", service: "SSH"),
        openPort(3389, id: "ec2_securitygroup_allow_ingress_from_internet_to_tcp_port_3389", service: "RDP"),
        Check(id: "ec2_securitygroup_allow_ingress_from_internet_to_all_ports", title: "Security groups do not open every port to the internet",
              severity: .high, resourceType: securityGroup,
              remediation: "Replace the all-traffic rule from 0.0.0.0/0 or ::/0 with the ports and sources the workload needs.",
              referenceURL: "https://docs.aws.amazon.com/vpc/latest/userguide/security-group-rules.html") { group in
            let open = fromInternet(group).contains { rule in
                rule["protocol"].string == "-1" || (rule["fromPort"].number ?? 1) <= 0 && (rule["toPort"].number ?? 0) >= 65535
            }
            return .failing(open, "Security group \(name(group)) opens all ports to the internet.", else: "Security group \(name(group)) does not open all ports to the internet.")
        },
        Check(id: "ec2_securitygroup_default_restrict_traffic", title: "Default security groups allow no traffic", severity: .high, resourceType: securityGroup,
              remediation: "Remove every inbound and outbound rule from the VPC's default security group; give resources their own groups.",
              referenceURL: "https://docs.aws.amazon.com/vpc/latest/userguide/default-security-group.html") { group in
            guard group.attributes["groupName"].string == "default" else { return nil }
            let rules = group.attributes["ingress"].array.count + group.attributes["egress"].array.count
            return .failing(rules > 0, "Default security group \(name(group)) has \(rules) rule(s).", else: "Default security group \(name(group)) allows no traffic.")
        },
        Check(id: "ec2_ebs_default_encryption", title: "EBS encryption by default is on", severity: .medium, resourceType: "AWS::EC2::EBSEncryptionByDefault",
              remediation: "Turn on EBS encryption by default in every region you use (EC2 settings).",
              referenceURL: "https://docs.aws.amazon.com/ebs/latest/userguide/encryption-by-default.html") { setting in
            .failing(setting.attributes["enabled"].bool != true, "EBS encryption by default is off in \(setting.region).",
                     else: "EBS encryption by default is on in \(setting.region).")
        },
        Check(id: "ec2_ebs_volume_encryption", title: "EBS volumes are encrypted", severity: .medium, resourceType: "AWS::EC2::Volume",
              remediation: "Snapshot the volume, copy the snapshot with encryption, and replace the volume with one made from it.",
              referenceURL: "https://docs.aws.amazon.com/ebs/latest/userguide/ebs-encryption.html") { volume in
            let id = volume.attributes["volumeId"].string ?? volume.arn
            return .failing(volume.attributes["encrypted"].bool != true, "Volume \(id) is not encrypted.", else: "Volume \(id) is encrypted.")
        },
        Check(id: "ec2_ebs_public_snapshot", title: "EBS snapshots are not public", severity: .critical, resourceType: "AWS::EC2::Snapshot",
              remediation: "Remove the 'all' group from the snapshot's create-volume permissions.",
              referenceURL: "https://docs.aws.amazon.com/ebs/latest/userguide/ebs-modifying-snapshot-permissions.html") { snapshot in
            let id = snapshot.attributes["snapshotId"].string ?? snapshot.arn
            return .failing(snapshot.attributes["public"].bool == true, "Snapshot \(id) can be restored by anyone.", else: "Snapshot \(id) is not public.")
        },
        Check(id: "ec2_instance_imdsv2_enabled", title: "Instances require IMDSv2", severity: .high, resourceType: "AWS::EC2::Instance",
              remediation: "Set the instance metadata options to HttpTokens=required.",
              referenceURL: "https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/configuring-IMDS-existing-instances.html") { instance in
            let id = instance.attributes["instanceId"].string ?? instance.arn
            return .failing(instance.attributes["httpTokens"].string != "required", "Instance \(id) accepts IMDSv1 requests.", else: "Instance \(id) requires IMDSv2.")
        },
        Check(id: "ec2_instance_public_ip", title: "Instances have no public IP address", severity: .medium, resourceType: "AWS::EC2::Instance",
              remediation: "Launch instances in private subnets behind a load balancer or NAT; release public addresses.",
              referenceURL: "https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/using-instance-addressing.html") { instance in
            let id = instance.attributes["instanceId"].string ?? instance.arn
            guard let address = instance.attributes["publicIp"].string else { return .pass("Instance \(id) has no public IP address.") }
            return .fail("Instance \(id) has the public IP address \(address).")
        },
        Check(id: "vpc_flow_logs_enabled", title: "VPCs have flow logs", severity: .medium, resourceType: "AWS::EC2::VPC",
              remediation: "Create a flow log for the VPC (to CloudWatch Logs or S3).",
              referenceURL: "https://docs.aws.amazon.com/vpc/latest/userguide/flow-logs.html") { vpc in
            let id = vpc.attributes["vpcId"].string ?? vpc.arn
            return .failing((vpc.attributes["flowLogs"].number ?? 0) == 0, "VPC \(id) has no flow log.", else: "VPC \(id) has a flow log.")
        },
    ]

    static func openPort(_ port: Double, id: String, service: String) -> Check {
        Check(id: id, title: "Security groups do not open \(service) (port \(Int(port))) to the internet", severity: .high, resourceType: securityGroup,
              remediation: "Remove the rule allowing port \(Int(port)) from 0.0.0.0/0 or ::/0; reach instances through Session Manager or a VPN.",
              referenceURL: "https://docs.aws.amazon.com/vpc/latest/userguide/security-group-rules.html") { group in
            let open = fromInternet(group).contains { rule in
                let all = rule["protocol"].string == "-1"
                let tcp = rule["protocol"].string == "tcp" && (rule["fromPort"].number ?? .infinity) <= port && port <= (rule["toPort"].number ?? -1)
                return all || tcp
            }
            return .failing(open, "Security group \(name(group)) opens port \(Int(port)) to the internet.",
                            else: "Security group \(name(group)) does not open port \(Int(port)) to the internet.")
        }
    }

    static func fromInternet(_ group: CloudResource) -> [AttributeValue] {
        group.attributes["ingress"].array.filter { rule in
            IAMPolicyDocument.values(rule["cidrs"]).contains("0.0.0.0/0") || IAMPolicyDocument.values(rule["ipv6Cidrs"]).contains("::/0")
        }
    }

    static func name(_ group: CloudResource) -> String {
        let id = group.attributes["groupId"].string ?? group.arn
        return group.attributes["groupName"].string.map { "\(id) (\($0))" } ?? id
    }
}
