#include "unattend.h"
#include "error.h"

#include <string.h>

/* IANA → Windows time zone names (CLDR's windowsZones, the common zones):
 * the host's zone is mapped through it; an unknown one falls back to UTC
 * (docs/windows.md). */
static const struct {
  const char *iana;
  const char *windows;
} zones[] = {
    {"UTC", "UTC"},
    {"Etc/UTC", "UTC"},
    {"Etc/GMT", "UTC"},
    {"Europe/London", "GMT Standard Time"},
    {"Europe/Dublin", "GMT Standard Time"},
    {"Europe/Lisbon", "GMT Standard Time"},
    {"Europe/Berlin", "W. Europe Standard Time"},
    {"Europe/Amsterdam", "W. Europe Standard Time"},
    {"Europe/Vienna", "W. Europe Standard Time"},
    {"Europe/Rome", "W. Europe Standard Time"},
    {"Europe/Stockholm", "W. Europe Standard Time"},
    {"Europe/Zurich", "W. Europe Standard Time"},
    {"Europe/Oslo", "W. Europe Standard Time"},
    {"Europe/Paris", "Romance Standard Time"},
    {"Europe/Brussels", "Romance Standard Time"},
    {"Europe/Madrid", "Romance Standard Time"},
    {"Europe/Copenhagen", "Romance Standard Time"},
    {"Europe/Warsaw", "Central European Standard Time"},
    {"Europe/Prague", "Central Europe Standard Time"},
    {"Europe/Budapest", "Central Europe Standard Time"},
    {"Europe/Athens", "GTB Standard Time"},
    {"Europe/Bucharest", "GTB Standard Time"},
    {"Europe/Helsinki", "FLE Standard Time"},
    {"Europe/Kiev", "FLE Standard Time"},
    {"Europe/Kyiv", "FLE Standard Time"},
    {"Europe/Moscow", "Russian Standard Time"},
    {"Europe/Istanbul", "Turkey Standard Time"},
    {"America/New_York", "Eastern Standard Time"},
    {"America/Toronto", "Eastern Standard Time"},
    {"America/Chicago", "Central Standard Time"},
    {"America/Denver", "Mountain Standard Time"},
    {"America/Phoenix", "US Mountain Standard Time"},
    {"America/Los_Angeles", "Pacific Standard Time"},
    {"America/Vancouver", "Pacific Standard Time"},
    {"America/Anchorage", "Alaskan Standard Time"},
    {"Pacific/Honolulu", "Hawaiian Standard Time"},
    {"America/Mexico_City", "Central Standard Time (Mexico)"},
    {"America/Sao_Paulo", "E. South America Standard Time"},
    {"Asia/Tokyo", "Tokyo Standard Time"},
    {"Asia/Seoul", "Korea Standard Time"},
    {"Asia/Shanghai", "China Standard Time"},
    {"Asia/Hong_Kong", "China Standard Time"},
    {"Asia/Taipei", "Taipei Standard Time"},
    {"Asia/Singapore", "Singapore Standard Time"},
    {"Asia/Kolkata", "India Standard Time"},
    {"Asia/Dubai", "Arabian Standard Time"},
    {"Asia/Jerusalem", "Israel Standard Time"},
    {"Australia/Sydney", "AUS Eastern Standard Time"},
    {"Australia/Melbourne", "AUS Eastern Standard Time"},
    {"Australia/Brisbane", "E. Australia Standard Time"},
    {"Australia/Perth", "W. Australia Standard Time"},
    {"Pacific/Auckland", "New Zealand Standard Time"},
    {"Africa/Johannesburg", "South Africa Standard Time"},
    {"Africa/Cairo", "Egypt Standard Time"},
};

const char *bvm_unattend_timezone_from_iana(const char *iana)
{
  for (guint i = 0; iana != NULL && i < G_N_ELEMENTS(zones); i++)
    if (strcmp(zones[i].iana, iana) == 0)
      return zones[i].windows;
  return NULL;
}

char *bvm_unattend_windows_timezone(const char *tz, GError **error)
{
  const char *mapped = bvm_unattend_timezone_from_iana(tz);
  if (mapped != NULL)
    return g_strdup(mapped);
  /* Windows names: letters, digits, spaces, . ( ) + - (e.g. "UTC+12",
   * "Central Standard Time (Mexico)"). */
  gboolean ok = tz != NULL && *tz != '\0' && strlen(tz) <= 64 && strchr(tz, '/') == NULL;
  for (const char *p = tz; ok && *p; p++)
    ok = g_ascii_isalnum(*p) || strchr(" .()+-", *p) != NULL;
  if (!ok) {
    g_set_error(
        error, BVM_ERROR, BVM_ERROR_INVALID_ARGUMENT,
        "time zone '%s' is neither a Windows time zone name (like \"W. Europe Standard Time\") nor an IANA zone BridgeVM maps (like Europe/Berlin): give a Windows name",
        tz ? tz : "");
    return NULL;
  }
  return g_strdup(tz);
}

static gboolean has_control(const char *s)
{
  for (const char *p = s; *p; p = g_utf8_next_char(p))
    if (g_unichar_iscntrl(g_utf8_get_char(p)))
      return TRUE;
  return FALSE;
}

gboolean bvm_unattend_check_user(const char *user, GError **error)
{
  if (user == NULL || *user == '\0' || !g_utf8_validate(user, -1, NULL) ||
      g_utf8_strlen(user, -1) > 20) {
    g_set_error(error, BVM_ERROR, BVM_ERROR_INVALID_ARGUMENT,
                "user name '%s' is not 1 to 20 characters of text: give a shorter --user",
                user ? user : "");
    return FALSE;
  }
  if (has_control(user)) {
    g_set_error(error, BVM_ERROR, BVM_ERROR_INVALID_ARGUMENT,
                "the user name contains a control character: use printable characters");
    return FALSE;
  }
  const char *bad = strpbrk(user, "\"/\\[]:;|=,+*?<>@");
  if (bad != NULL) {
    g_set_error(
        error, BVM_ERROR, BVM_ERROR_INVALID_ARGUMENT,
        "user name '%s' contains '%c', which Windows does not allow in account names: choose another --user",
        user, *bad);
    return FALSE;
  }
  if (strspn(user, ". ") == strlen(user) || g_ascii_strcasecmp(user, "Administrator") == 0 ||
      g_ascii_strcasecmp(user, "Guest") == 0 || g_ascii_strcasecmp(user, "DefaultAccount") == 0) {
    g_set_error(
        error, BVM_ERROR, BVM_ERROR_INVALID_ARGUMENT,
        "'%s' cannot be the new account's name (built in, or only dots and spaces): choose another --user",
        user);
    return FALSE;
  }
  return TRUE;
}

gboolean bvm_unattend_check_locale(const char *locale, GError **error)
{
  /* ll-CC or ll-Scrp-CC */
  gboolean ok = locale != NULL;
  g_auto(GStrv) parts = ok ? g_strsplit(locale, "-", -1) : NULL;
  guint n = ok ? g_strv_length(parts) : 0;
  ok = n == 2 || n == 3;
  for (guint i = 0; ok && i < n; i++) {
    size_t len = strlen(parts[i]);
    gboolean lang = i == 0, country = i == n - 1;
    ok = lang ? len == 2 || len == 3 : country ? len == 2 : len == 4;
    for (size_t j = 0; ok && j < len; j++) {
      char ch = parts[i][j];
      ok = lang ? g_ascii_islower(ch) : country ? g_ascii_isupper(ch) : g_ascii_isalpha(ch);
    }
  }
  if (!ok) {
    g_set_error(error, BVM_ERROR, BVM_ERROR_INVALID_ARGUMENT,
                "locale '%s' is not a language tag like en-US, de-DE or zh-Hans-CN: fix --locale",
                locale ? locale : "");
    return FALSE;
  }
  return TRUE;
}

gboolean bvm_unattend_check_password(const char *password, GError **error)
{
  if (password == NULL || !g_utf8_validate(password, -1, NULL) ||
      g_utf8_strlen(password, -1) > 127) {
    g_set_error(error, BVM_ERROR, BVM_ERROR_INVALID_ARGUMENT,
                "the password is not text of at most 127 characters: choose another");
    return FALSE;
  }
  if (has_control(password)) {
    g_set_error(
        error, BVM_ERROR, BVM_ERROR_INVALID_ARGUMENT,
        "the password contains a control character (a line break inside the file?): use printable characters");
    return FALSE;
  }
  return TRUE;
}

/* Windows Setup's hidden password form: base64 of the UTF-16LE text of
 * the password followed by the element's name ("Password"), marked
 * <PlainText>false</PlainText>. Obscured, not encrypted: the answer ISO is
 * still 0600 and removed once used. */
static char *encode_password(const char *password)
{
  g_autofree char *joined = g_strconcat(password, "Password", NULL);
  glong n = 0;
  g_autofree gunichar2 *utf16 = g_utf8_to_utf16(joined, -1, NULL, &n, NULL);
  g_autofree guchar *le = g_new(guchar, (gsize)n * 2 + 1);
  for (glong i = 0; i < n; i++) {
    le[2 * i] = (guchar)(utf16[i] & 0xff);
    le[2 * i + 1] = (guchar)(utf16[i] >> 8);
  }
  return g_base64_encode(le, (gsize)n * 2);
}

typedef struct {
  GString *out;
  const char *arch; /* "amd64" or "arm64" */
} Writer;

static void component(Writer *w, const char *name)
{
  g_string_append_printf(
      w->out,
      "    <component name=\"%s\" processorArchitecture=\"%s\" publicKeyToken=\"31bf3856ad364e35\" language=\"neutral\" versionScope=\"nonSxS\">\n",
      name, w->arch);
}

static void end_component(Writer *w)
{
  g_string_append(w->out, "    </component>\n");
}

/* The international settings of both WinPE and the installed system. */
static void international(Writer *w, const char *name, const char *locale, gboolean winpe)
{
  component(w, name);
  if (winpe)
    g_string_append_printf(w->out,
                           "      <SetupUILanguage>\n"
                           "        <UILanguage>%s</UILanguage>\n"
                           "      </SetupUILanguage>\n",
                           locale);
  g_string_append_printf(w->out,
                         "      <InputLocale>%s</InputLocale>\n"
                         "      <SystemLocale>%s</SystemLocale>\n"
                         "      <UILanguage>%s</UILanguage>\n"
                         "      <UserLocale>%s</UserLocale>\n",
                         locale, locale, locale, locale);
  end_component(w);
}

/* virtio-win's drivers for this arch only: on ARM64 any other driver
 * directory makes Setup fail with 0xd000a000. The CD's letter is not known
 * in advance: Setup skips paths that do not exist. */
static void driver_paths(Writer *w, const char *name)
{
  static const char *const drivers[] = {"viostor", "NetKVM", "viogpudo"};
  static const char letters[] = "DEFGH";
  const char *dir = g_str_equal(w->arch, "arm64") ? "ARM64" : "amd64";
  component(w, name);
  g_string_append(w->out, "      <DriverPaths>\n");
  guint key = 1;
  for (guint d = 0; d < G_N_ELEMENTS(drivers); d++)
    for (guint l = 0; letters[l]; l++)
      g_string_append_printf(w->out,
                             "        <PathAndCredentials wcm:action=\"add\" wcm:keyValue=\"%u\">\n"
                             "          <Path>%c:\\%s\\w11\\%s</Path>\n"
                             "        </PathAndCredentials>\n",
                             key++, letters[l], drivers[d], dir);
  g_string_append(w->out, "      </DriverPaths>\n");
  end_component(w);
}

static void setup(Writer *w)
{
  component(w, "Microsoft-Windows-Setup");
  /* UEFI/GPT as Microsoft lays it out: EFI system partition (FAT32), MSR,
   * Windows on the rest. WillWipeDisk: BridgeVM attaches this answer file
   * only while the VM's disk is still empty (docs/windows.md). */
  g_string_append(w->out, "      <DiskConfiguration>\n"
                          "        <Disk wcm:action=\"add\">\n"
                          "          <DiskID>0</DiskID>\n"
                          "          <WillWipeDisk>true</WillWipeDisk>\n"
                          "          <CreatePartitions>\n"
                          "            <CreatePartition wcm:action=\"add\">\n"
                          "              <Order>1</Order>\n"
                          "              <Type>EFI</Type>\n"
                          "              <Size>300</Size>\n"
                          "            </CreatePartition>\n"
                          "            <CreatePartition wcm:action=\"add\">\n"
                          "              <Order>2</Order>\n"
                          "              <Type>MSR</Type>\n"
                          "              <Size>16</Size>\n"
                          "            </CreatePartition>\n"
                          "            <CreatePartition wcm:action=\"add\">\n"
                          "              <Order>3</Order>\n"
                          "              <Type>Primary</Type>\n"
                          "              <Extend>true</Extend>\n"
                          "            </CreatePartition>\n"
                          "          </CreatePartitions>\n"
                          "          <ModifyPartitions>\n"
                          "            <ModifyPartition wcm:action=\"add\">\n"
                          "              <Order>1</Order>\n"
                          "              <PartitionID>1</PartitionID>\n"
                          "              <Format>FAT32</Format>\n"
                          "              <Label>System</Label>\n"
                          "            </ModifyPartition>\n"
                          "            <ModifyPartition wcm:action=\"add\">\n"
                          "              <Order>2</Order>\n"
                          "              <PartitionID>3</PartitionID>\n"
                          "              <Format>NTFS</Format>\n"
                          "              <Label>Windows</Label>\n"
                          "              <Letter>C</Letter>\n"
                          "            </ModifyPartition>\n"
                          "          </ModifyPartitions>\n"
                          "        </Disk>\n"
                          "      </DiskConfiguration>\n"
                          "      <ImageInstall>\n"
                          "        <OSImage>\n"
                          "          <InstallTo>\n"
                          "            <DiskID>0</DiskID>\n"
                          "            <PartitionID>3</PartitionID>\n"
                          "          </InstallTo>\n"
                          "        </OSImage>\n"
                          "      </ImageInstall>\n"
                          "      <UserData>\n"
                          "        <AcceptEula>true</AcceptEula>\n"
                          "        <ProductKey>\n"
                          "          <Key>" BVM_UNATTEND_PRODUCT_KEY "</Key>\n"
                          "          <WillShowUI>OnError</WillShowUI>\n"
                          "        </ProductKey>\n"
                          "      </UserData>\n");
  end_component(w);
}

char *bvm_unattend_generate(const BvmUnattendOptions *o, GError **error)
{
  g_return_val_if_fail(o != NULL, NULL);
  if (!bvm_unattend_check_user(o->user, error) || !bvm_unattend_check_locale(o->locale, error) ||
      !bvm_unattend_check_password(o->password, error))
    return NULL;
  g_autofree char *tz = bvm_unattend_windows_timezone(o->timezone, error);
  if (tz == NULL)
    return NULL;
  g_autofree char *user = g_markup_escape_text(o->user, -1);
  g_autofree char *zone = g_markup_escape_text(tz, -1);
  g_autofree char *password = encode_password(o->password);
  gboolean arm = o->arch == BVM_ARCH_AARCH64;

  Writer w = {g_string_new(NULL), arm ? "arm64" : "amd64"};
  g_string_append_printf(
      w.out,
      "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
      "<!-- Written by BridgeVM for an express install of Windows 11 (%s). -->\n"
      "<unattend xmlns=\"urn:schemas-microsoft-com:unattend\" xmlns:wcm=\"http://schemas.microsoft.com/WMIConfig/2002/State\">\n",
      w.arch);

  g_string_append(w.out, "  <settings pass=\"windowsPE\">\n");
  international(&w, "Microsoft-Windows-International-Core-WinPE", o->locale, TRUE);
  setup(&w);
  if (o->drivers)
    driver_paths(&w, "Microsoft-Windows-PnpCustomizationsWinPE");
  g_string_append(w.out, "  </settings>\n");

  if (o->drivers) {
    g_string_append(w.out, "  <settings pass=\"offlineServicing\">\n");
    driver_paths(&w, "Microsoft-Windows-PnpCustomizationsNonWinPE");
    g_string_append(w.out, "  </settings>\n");
  }

  /* The network requirement: 24H2 removed oobe\BypassNRO.cmd, but OOBE
   * still reads the registry value it set. */
  g_string_append(w.out, "  <settings pass=\"specialize\">\n");
  component(&w, "Microsoft-Windows-Deployment");
  g_string_append(
      w.out,
      "      <RunSynchronous>\n"
      "        <RunSynchronousCommand wcm:action=\"add\">\n"
      "          <Order>1</Order>\n"
      "          <Path>reg.exe add HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\OOBE /v BypassNRO /t REG_DWORD /d 1 /f</Path>\n"
      "          <Description>Local account setup without a network</Description>\n"
      "        </RunSynchronousCommand>\n"
      "      </RunSynchronous>\n");
  end_component(&w);
  component(&w, "Microsoft-Windows-Shell-Setup");
  g_string_append_printf(w.out, "      <TimeZone>%s</TimeZone>\n", zone);
  end_component(&w);
  g_string_append(w.out, "  </settings>\n");

  g_string_append(w.out, "  <settings pass=\"oobeSystem\">\n");
  international(&w, "Microsoft-Windows-International-Core", o->locale, FALSE);
  component(&w, "Microsoft-Windows-Shell-Setup");
  g_string_append_printf(w.out,
                         "      <OOBE>\n"
                         "        <HideEULAPage>true</HideEULAPage>\n"
                         "        <HideOEMRegistrationScreen>true</HideOEMRegistrationScreen>\n"
                         "        <HideOnlineAccountScreens>true</HideOnlineAccountScreens>\n"
                         "        <HideWirelessSetupInOOBE>true</HideWirelessSetupInOOBE>\n"
                         "        <HideLocalAccountScreen>true</HideLocalAccountScreen>\n"
                         "        <ProtectYourPC>3</ProtectYourPC>\n"
                         "      </OOBE>\n"
                         "      <UserAccounts>\n"
                         "        <LocalAccounts>\n"
                         "          <LocalAccount wcm:action=\"add\">\n"
                         "            <Name>%s</Name>\n"
                         "            <DisplayName>%s</DisplayName>\n"
                         "            <Group>Administrators</Group>\n"
                         "            <Password>\n"
                         "              <Value>%s</Value>\n"
                         "              <PlainText>false</PlainText>\n"
                         "            </Password>\n"
                         "          </LocalAccount>\n"
                         "        </LocalAccounts>\n"
                         "      </UserAccounts>\n"
                         "      <AutoLogon>\n"
                         "        <Enabled>true</Enabled>\n"
                         "        <LogonCount>1</LogonCount>\n"
                         "        <Username>%s</Username>\n"
                         "        <Password>\n"
                         "          <Value>%s</Value>\n"
                         "          <PlainText>false</PlainText>\n"
                         "        </Password>\n"
                         "      </AutoLogon>\n"
                         "      <TimeZone>%s</TimeZone>\n",
                         user, user, password, user, password, zone);
  /* The guest agent has an installer for x86_64 only (virtio-win ships no
   * ARM64 qemu-ga MSI). */
  if (o->drivers && !arm)
    g_string_append(
        w.out,
        "      <FirstLogonCommands>\n"
        "        <SynchronousCommand wcm:action=\"add\">\n"
        "          <Order>1</Order>\n"
        "          <CommandLine>cmd.exe /c for %d in (D E F G H) do if exist %d:\\guest-agent\\qemu-ga-x86_64.msi msiexec.exe /i %d:\\guest-agent\\qemu-ga-x86_64.msi /qn /norestart</CommandLine>\n"
        "          <Description>QEMU guest agent from the virtio-win CD</Description>\n"
        "        </SynchronousCommand>\n"
        "      </FirstLogonCommands>\n");
  end_component(&w);
  g_string_append(w.out, "  </settings>\n</unattend>\n");
  return g_string_free(w.out, FALSE);
}
