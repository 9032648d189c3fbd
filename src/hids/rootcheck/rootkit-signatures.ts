/**
 * mamori's own list of files that known rootkits, trojan kits and worms leave behind: each entry is a
 * system path and the family it points to. Written for mamori from public descriptions of these families
 * (security advisories and write-ups, the categories chkrootkit and OSSEC check), not copied from a tool's
 * file. Entries that a current distribution could own legitimately are left out: one false alarm teaches
 * people to ignore this check. A folder entry ends with "/".
 */
export interface RootkitSignature {
  path: string;
  rootkit: string;
}

const sig = (rootkit: string, ...paths: string[]): RootkitSignature[] =>
  paths.map((path) => ({ path, rootkit }));

export const ROOTKIT_SIGNATURES: readonly RootkitSignature[] = [
  ...sig("t0rn", "/usr/src/.puta/", "/usr/info/.t0rn", "/lib/ldlib.tk", "/etc/ttyhash", "/sbin/xlogin"),
  ...sig("Lion worm", "/dev/.lib/", "/dev/.lib/1iOn.sh", "/usr/info/.torn"),
  ...sig("Ramen worm", "/usr/src/.poop/", "/tmp/ramen.tgz", "/usr/lib/ldlibps.so"),
  ...sig(
    "Showtee / Romanian kit",
    "/usr/lib/.egcs/",
    "/usr/lib/.wormie/",
    "/usr/lib/.kinetic/",
    "/usr/include/addr.h",
    "/usr/include/file.h",
    "/usr/include/syslogs.h",
    "/usr/include/proc.h",
  ),
  ...sig("Romanian rootkit", "/usr/sbin/initdl", "/usr/sbin/xntps"),
  ...sig("Knark LKM", "/proc/knark/", "/dev/.pizda", "/dev/.pula"),
  ...sig("RSHA", "/usr/bin/kr4p", "/usr/bin/n3tstat", "/usr/bin/chsh2", "/usr/bin/slice2", "/etc/rc.d/rsha"),
  ...sig("Suckit", "/sbin/initsk12", "/sbin/initxrk"),
  ...sig("Maniac", "/usr/bin/mailrc"),
  ...sig("Volc", "/usr/lib/volc/", "/usr/bin/volc"),
  ...sig("Ambient (ARK)", "/dev/ptyxx/", "/dev/ptyxx/.log", "/dev/ptyxx/.file", "/dev/ptyxx/.proc"),
  ...sig("ShitC worm", "/bin/home", "/sbin/home", "/usr/sbin/in.slogind"),
  ...sig("Omega worm", "/dev/chr"),
  ...sig("Kenga3", "/usr/include/. ./"),
  ...sig("ZK", "/usr/share/.zk/", "/usr/X11R6/.zk/", "/etc/1ssue.net"),
  ...sig("sadmind/IIS worm", "/dev/cuc/"),
  ...sig("Monkit", "/lib/defs/"),
  ...sig("Scalper worm", "/tmp/.uua", "/tmp/.a"),
  ...sig(
    "Slapper worm",
    "/tmp/.bugtraq",
    "/tmp/.bugtraq.c",
    "/tmp/.uubugtraq",
    "/tmp/.unlock",
    "/tmp/.cinik",
  ),
  ...sig("Aquatica", "/lib/security/.config/", "/lib/security/.config/ssh/sshd_config"),
  ...sig("Madalin", "/usr/include/icekey.h", "/usr/include/iceconf.h", "/usr/include/iceseed.h"),
  ...sig(
    "SHV4/SHV5",
    "/lib/libsh.so/",
    "/usr/lib/libsh/",
    "/etc/sh.conf",
    "/lib/lidps1.so",
    "/lib/libext-2.so.7",
  ),
  ...sig("Enye LKM", "/etc/.enyelkmOCULTAR.ko"),
  ...sig("Phalanx2", "/etc/khubd.p2/"),
  ...sig("TBD (telnet backdoor)", "/usr/lib/.tbd"),
  ...sig("Dica-Kit", "/lib/.sso", "/lib/.so"),
  ...sig("Fu", "/sbin/xc", "/usr/include/ivtype.h", "/bin/.lib"),
  ...sig("Beastkit", "/usr/sbin/arobia", "/usr/sbin/idrun", "/usr/lib/elm/arobia"),
  ...sig("Jynx", "/XxJynx/"),
  ...sig("Reptile LKM", "/reptile/", "/lib/udev/reptile"),
  ...sig("XOR.DDoS", "/etc/cron.hourly/gcc.sh", "/lib/libudev.so"),
  ...sig("Ebury/Windigo", "/lib/libns2.so", "/lib64/libns2.so", "/lib/libns5.so", "/lib64/libns5.so"),
];
