/// IAM: the root user, the password policy, console users' MFA, access key age and use, and
/// customer-managed policies that grant everything.
enum IAMChecks {
    static let summary = "AWS::IAM::AccountSummary"
    static let passwordPolicy = "AWS::IAM::PasswordPolicy"
    static let user = "AWS::IAM::User"
    static let policy = "AWS::IAM::Policy"

    static let all: [Check] = [
        Check(id: "iam_root_mfa_enabled", title: "The root user has MFA", severity: .critical, resourceType: summary,
              remediation: "Sign in as the root user and assign an MFA device (preferably a hardware key).",
              referenceURL: "https://docs.aws.amazon.com/IAM/latest/UserGuide/enable-virt-mfa-for-root.html") { summary in
            .failing(summary.attributes["AccountMFAEnabled"].number != 1, "The root user has no MFA device.", else: "The root user has MFA.")
        },
        Check(id: "iam_no_root_access_key", title: "The root user has no access keys", severity: .critical, resourceType: summary,
              remediation: "Delete the root user's access keys; use roles or IAM users with least privilege instead.",
              referenceURL: "https://docs.aws.amazon.com/IAM/latest/UserGuide/id_root-user_manage_delete-key.html") { summary in
            .failing((summary.attributes["AccountAccessKeysPresent"].number ?? 0) > 0,
                     "The root user has access keys.", else: "The root user has no access keys.")
        },
        Check(id: "iam_password_policy_minimum_length_14", title: "Passwords are at least 14 characters", severity: .medium, resourceType: passwordPolicy,
              remediation: "Set the account password policy's minimum length to 14 or more.",
              referenceURL: "https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_passwords_account-policy.html") { policy in
            guard let length = policy.attributes["MinimumPasswordLength"].integer else { return .fail("The account has no password policy.") }
            return .failing(length < 14, "The password policy allows passwords of \(length) characters.", else: "Passwords must be at least \(length) characters.")
        },
        Check(id: "iam_password_policy_reuse_24", title: "Passwords cannot reuse the last 24", severity: .medium, resourceType: passwordPolicy,
              remediation: "Set the password policy to prevent reuse of the last 24 passwords.",
              referenceURL: "https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_passwords_account-policy.html") { policy in
            guard policy.attributes["exists"].bool == true else { return .fail("The account has no password policy.") }
            let remembered = policy.attributes["PasswordReusePrevention"].integer ?? 0
            return .failing(remembered < 24, "The password policy remembers \(remembered) previous passwords.", else: "Users cannot reuse their last \(remembered) passwords.")
        },
        Check(id: "iam_user_mfa_enabled_console_access", title: "Console users have MFA", severity: .high, resourceType: user,
              remediation: "Assign an MFA device to every IAM user who can sign in to the console, or remove their password.",
              referenceURL: "https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_mfa_enable.html") { user in
            guard user.attributes["consoleAccess"].bool == true else { return nil }
            let name = user.attributes["name"].string ?? user.arn
            return .failing((user.attributes["mfaDevices"].number ?? 0) == 0,
                            "User \(name) can sign in to the console without MFA.", else: "User \(name) has MFA for the console.")
        },
        Check(id: "iam_rotate_access_key_90_days", title: "Access keys are rotated every 90 days", severity: .medium, resourceType: user,
              remediation: "Create a new access key, move its users to it, then deactivate and delete the old one.",
              referenceURL: "https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_access-keys.html#Using_RotateAccessKey") { user in
            let keys = activeKeys(user)
            guard !keys.isEmpty else { return nil }
            let name = user.attributes["name"].string ?? user.arn
            let old = keys.filter { ($0["ageDays"].number ?? 0) > 90 }
            return .failing(!old.isEmpty, "User \(name) has \(old.count) active access key(s) older than 90 days.",
                            else: "User \(name)'s active access keys are younger than 90 days.")
        },
        Check(id: "iam_user_accesskey_unused", title: "Access keys unused for 45 days are disabled", severity: .medium, resourceType: user,
              remediation: "Deactivate (then delete) access keys that have not been used for 45 days.",
              referenceURL: "https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_finding-unused.html") { user in
            let keys = activeKeys(user)
            guard !keys.isEmpty else { return nil }
            let name = user.attributes["name"].string ?? user.arn
            let unused = keys.filter { key in
                // Never used: judged by its age.
                (key["lastUsedDaysAgo"].number ?? key["ageDays"].number ?? 0) > 45
            }
            return .failing(!unused.isEmpty, "User \(name) has \(unused.count) active access key(s) unused for more than 45 days.",
                            else: "User \(name)'s active access keys were used in the last 45 days.")
        },
        Check(id: "iam_customer_attached_policy_no_administrative_privileges", title: "No attached customer policy grants full administrative access",
              severity: .high, resourceType: policy,
              remediation: "Replace \"Action\": \"*\" on \"Resource\": \"*\" with the actions and resources the principals need.",
              referenceURL: "https://docs.aws.amazon.com/IAM/latest/UserGuide/best-practices.html#grant-least-privilege") { policy in
            guard (policy.attributes["attachmentCount"].number ?? 0) > 0 else { return nil }
            let name = policy.attributes["name"].string ?? policy.arn
            return .failing(IAMPolicyDocument.allowsEverything(policy.attributes["document"]),
                            "Policy \(name) allows every action on every resource.", else: "Policy \(name) does not grant full administrative access.")
        },
    ]

    static func activeKeys(_ user: CloudResource) -> [AttributeValue] {
        user.attributes["accessKeys"].array.filter { $0["active"].bool == true }
    }
}
