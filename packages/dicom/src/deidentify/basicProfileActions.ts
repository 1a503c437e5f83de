/**
 * The action table of the Basic Application Level Confidentiality Profile, as data:
 * DICOM PS3.15 Annex E, Table E.1-1 ("Application Level Confidentiality Profile
 * Attributes"), column "Basic Prof.", for the attributes that CT, MR, CR/DX, XA/RF, SR
 * and secondary capture objects commonly carry (identification, dates and times,
 * institution and people, requests and procedure steps, devices, instance UIDs,
 * digital signatures). `temporal` marks the attributes that the Retain Longitudinal
 * Temporal Information with Modified Dates Option (E.3.6, column "Rtn. Long. Modif.
 * Dates Opt.") cleans (C) instead: their dates are shifted, their times kept.
 *
 * Action codes (E.1.1): D replace with a non-zero-length dummy value; Z replace with a
 * zero-length value (or a dummy); X remove; K keep; C clean; U replace with a non-zero
 * length UID that is internally consistent within a set of instances. Compound codes
 * (X/Z, X/D, Z/D, X/Z/D, X/Z/U*) are resolved by `resolveAction`.
 *
 * Beyond this table (E.1.1 and E.3.10 Retain Safe Private Option not applied): every
 * private attribute (odd group) is removed, the retired Curve groups (50xx,xxxx) and
 * the Overlay groups (60xx,xxxx) are removed whole (Overlay Data (60xx,3000) and
 * Overlay Comments (60xx,4000) are X; removing only those would leave an incomplete
 * Overlay Plane module), and group length elements (gggg,0000) are dropped.
 */

/** An action of Table E.1-1 as written in the "Basic Prof." column. */
export type ProfileActionCode = 'D' | 'Z' | 'X' | 'K' | 'C' | 'U' | 'X/Z' | 'X/D' | 'Z/D' | 'X/Z/D' | 'X/Z/U*';

/** The single action Vertebra applies. */
export type ResolvedAction = 'D' | 'Z' | 'X' | 'K' | 'U';

export interface ProfileAttribute {
  /** 'GGGGEEEE', upper case. */
  readonly tag: string;
  readonly keyword: string;
  readonly action: ProfileActionCode;
  /** Cleaned by E.3.6 (dates shifted, times kept) instead of the basic action. */
  readonly temporal: boolean;
}

type Row = readonly [tag: string, keyword: string, action: ProfileActionCode, temporal?: 'T'];

/** Table E.1-1 rows (DICOM PS3.15 2024 editions), in tag order. */
const ROWS: readonly Row[] = [
  // Group 0008: SOP Common, General Study/Series/Equipment, references, people
  ['00080012', 'InstanceCreationDate', 'X/D', 'T'],
  ['00080013', 'InstanceCreationTime', 'X/Z/D', 'T'],
  ['00080014', 'InstanceCreatorUID', 'U'],
  ['00080015', 'InstanceCoercionDateTime', 'X', 'T'],
  ['00080017', 'AcquisitionUID', 'U'],
  ['00080018', 'SOPInstanceUID', 'U'],
  ['00080019', 'PyramidUID', 'U'],
  ['00080020', 'StudyDate', 'Z', 'T'],
  ['00080021', 'SeriesDate', 'X/D', 'T'],
  ['00080022', 'AcquisitionDate', 'X/Z', 'T'],
  ['00080023', 'ContentDate', 'Z/D', 'T'],
  ['00080024', 'OverlayDate', 'X', 'T'],
  ['00080025', 'CurveDate', 'X', 'T'],
  ['0008002A', 'AcquisitionDateTime', 'X/Z/D', 'T'],
  ['00080030', 'StudyTime', 'Z', 'T'],
  ['00080031', 'SeriesTime', 'X/D', 'T'],
  ['00080032', 'AcquisitionTime', 'X/Z', 'T'],
  ['00080033', 'ContentTime', 'Z/D', 'T'],
  ['00080034', 'OverlayTime', 'X', 'T'],
  ['00080035', 'CurveTime', 'X', 'T'],
  ['00080050', 'AccessionNumber', 'Z'],
  ['00080051', 'IssuerOfAccessionNumberSequence', 'X'],
  ['00080058', 'FailedSOPInstanceUIDList', 'U'],
  ['00080080', 'InstitutionName', 'X/Z/D'],
  ['00080081', 'InstitutionAddress', 'X'],
  ['00080082', 'InstitutionCodeSequence', 'X/Z/D'],
  ['00080090', 'ReferringPhysicianName', 'Z'],
  ['00080092', 'ReferringPhysicianAddress', 'X'],
  ['00080094', 'ReferringPhysicianTelephoneNumbers', 'X'],
  ['00080096', 'ReferringPhysicianIdentificationSequence', 'X'],
  ['0008009C', 'ConsultingPhysicianName', 'Z'],
  ['0008009D', 'ConsultingPhysicianIdentificationSequence', 'X'],
  ['0008010D', 'ContextGroupExtensionCreatorUID', 'U'],
  ['00080201', 'TimezoneOffsetFromUTC', 'X'],
  ['00081010', 'StationName', 'X/Z/D'],
  ['00081030', 'StudyDescription', 'X'],
  ['0008103E', 'SeriesDescription', 'X'],
  ['00081040', 'InstitutionalDepartmentName', 'X'],
  ['00081041', 'InstitutionalDepartmentTypeCodeSequence', 'X'],
  ['00081048', 'PhysiciansOfRecord', 'X'],
  ['00081049', 'PhysiciansOfRecordIdentificationSequence', 'X'],
  ['00081050', 'PerformingPhysicianName', 'X'],
  ['00081052', 'PerformingPhysicianIdentificationSequence', 'X'],
  ['00081060', 'NameOfPhysiciansReadingStudy', 'X'],
  ['00081062', 'PhysiciansReadingStudyIdentificationSequence', 'X'],
  ['00081070', 'OperatorsName', 'X/Z/D'],
  ['00081072', 'OperatorIdentificationSequence', 'X/D'],
  ['00081080', 'AdmittingDiagnosesDescription', 'X'],
  ['00081084', 'AdmittingDiagnosesCodeSequence', 'X'],
  ['00081088', 'PyramidDescription', 'X'],
  ['00081110', 'ReferencedStudySequence', 'X/Z'],
  ['00081111', 'ReferencedPerformedProcedureStepSequence', 'X/Z/D'],
  ['00081120', 'ReferencedPatientSequence', 'X'],
  ['00081140', 'ReferencedImageSequence', 'X/Z/U*'],
  ['00081155', 'ReferencedSOPInstanceUID', 'U'],
  ['00081195', 'TransactionUID', 'U'],
  ['00082111', 'DerivationDescription', 'X'],
  ['00082112', 'SourceImageSequence', 'X/Z/U*'],
  ['00083010', 'IrradiationEventUID', 'U'],
  ['00084000', 'IdentifyingComments', 'X'],
  ['00089123', 'CreatorVersionUID', 'U'],
  // Group 0010: Patient
  ['00100010', 'PatientName', 'Z'],
  ['00100020', 'PatientID', 'Z'],
  ['00100021', 'IssuerOfPatientID', 'X'],
  ['00100024', 'IssuerOfPatientIDQualifiersSequence', 'X'],
  ['00100026', 'SourcePatientGroupIdentificationSequence', 'X'],
  ['00100027', 'GroupOfPatientsIdentificationSequence', 'X'],
  ['00100030', 'PatientBirthDate', 'Z'],
  ['00100032', 'PatientBirthTime', 'X'],
  ['00100033', 'PatientBirthDateInAlternativeCalendar', 'X'],
  ['00100034', 'PatientDeathDateInAlternativeCalendar', 'X'],
  ['00100035', 'PatientAlternativeCalendar', 'X'],
  ['00100040', 'PatientSex', 'Z'],
  ['00100050', 'PatientInsurancePlanCodeSequence', 'X'],
  ['00100101', 'PatientPrimaryLanguageCodeSequence', 'X'],
  ['00100102', 'PatientPrimaryLanguageModifierCodeSequence', 'X'],
  ['00101000', 'OtherPatientIDs', 'X'],
  ['00101001', 'OtherPatientNames', 'X'],
  ['00101002', 'OtherPatientIDsSequence', 'X'],
  ['00101005', 'PatientBirthName', 'X'],
  ['00101010', 'PatientAge', 'X'],
  ['00101020', 'PatientSize', 'X'],
  ['00101030', 'PatientWeight', 'X'],
  ['00101040', 'PatientAddress', 'X'],
  ['00101050', 'InsurancePlanIdentification', 'X'],
  ['00101060', 'PatientMotherBirthName', 'X'],
  ['00101080', 'MilitaryRank', 'X'],
  ['00101081', 'BranchOfService', 'X'],
  ['00101090', 'MedicalRecordLocator', 'X'],
  ['00101100', 'ReferencedPatientPhotoSequence', 'X'],
  ['00102000', 'MedicalAlerts', 'X'],
  ['00102110', 'Allergies', 'X'],
  ['00102150', 'CountryOfResidence', 'X'],
  ['00102152', 'RegionOfResidence', 'X'],
  ['00102154', 'PatientTelephoneNumbers', 'X'],
  ['00102155', 'PatientTelecomInformation', 'X'],
  ['00102160', 'EthnicGroup', 'X'],
  ['00102180', 'Occupation', 'X'],
  ['001021A0', 'SmokingStatus', 'X'],
  ['001021B0', 'AdditionalPatientHistory', 'X'],
  ['001021C0', 'PregnancyStatus', 'X'],
  ['001021D0', 'LastMenstrualDate', 'X', 'T'],
  ['001021F0', 'PatientReligiousPreference', 'X'],
  ['00102203', 'PatientSexNeutered', 'X/Z'],
  ['00102297', 'ResponsiblePerson', 'X'],
  ['00102299', 'ResponsibleOrganization', 'X'],
  ['00104000', 'PatientComments', 'X'],
  // Group 0012: Clinical Trial Subject / Study / Series
  ['00120010', 'ClinicalTrialSponsorName', 'D'],
  ['00120020', 'ClinicalTrialProtocolID', 'D'],
  ['00120021', 'ClinicalTrialProtocolName', 'Z'],
  ['00120030', 'ClinicalTrialSiteID', 'Z'],
  ['00120031', 'ClinicalTrialSiteName', 'Z'],
  ['00120040', 'ClinicalTrialSubjectID', 'D'],
  ['00120042', 'ClinicalTrialSubjectReadingID', 'D'],
  ['00120050', 'ClinicalTrialTimePointID', 'Z'],
  ['00120051', 'ClinicalTrialTimePointDescription', 'X'],
  ['00120060', 'ClinicalTrialCoordinatingCenterName', 'Z'],
  ['00120071', 'ClinicalTrialSeriesID', 'X'],
  ['00120072', 'ClinicalTrialSeriesDescription', 'X'],
  ['00120081', 'ClinicalTrialProtocolEthicsCommitteeName', 'D'],
  ['00120082', 'ClinicalTrialProtocolEthicsCommitteeApprovalNumber', 'X'],
  // Group 0018: acquisition, devices
  ['00180010', 'ContrastBolusAgent', 'Z/D'],
  ['00181000', 'DeviceSerialNumber', 'X/Z/D'],
  ['00181002', 'DeviceUID', 'U'],
  ['00181004', 'PlateID', 'X'],
  ['00181005', 'GeneratorID', 'X'],
  ['00181007', 'CassetteID', 'X'],
  ['00181008', 'GantryID', 'X'],
  ['00181009', 'UniqueDeviceIdentifier', 'X'],
  ['0018100A', 'UDISequence', 'X'],
  ['0018100B', 'ManufacturerDeviceClassUID', 'U'],
  ['00181012', 'DateOfSecondaryCapture', 'X', 'T'],
  ['00181014', 'TimeOfSecondaryCapture', 'X', 'T'],
  ['00181030', 'ProtocolName', 'X/D'],
  ['00181200', 'DateOfLastCalibration', 'X', 'T'],
  ['00181201', 'TimeOfLastCalibration', 'X', 'T'],
  ['00181400', 'AcquisitionDeviceProcessingDescription', 'X/D'],
  ['00184000', 'AcquisitionComments', 'X'],
  ['0018700A', 'DetectorID', 'X/D'],
  ['0018700C', 'DateOfLastDetectorCalibration', 'X/D', 'T'],
  ['0018700E', 'TimeOfLastDetectorCalibration', 'X/D', 'T'],
  ['00189074', 'FrameAcquisitionDateTime', 'X', 'T'],
  ['00189151', 'FrameReferenceDateTime', 'X', 'T'],
  ['00189185', 'RespiratoryMotionCompensationTechniqueDescription', 'X'],
  ['00189367', 'XRaySourceID', 'X'],
  ['00189371', 'XRayDetectorID', 'X'],
  ['00189373', 'XRayDetectorLabel', 'X'],
  ['00189424', 'AcquisitionProtocolDescription', 'X'],
  ['00189516', 'StartAcquisitionDateTime', 'X/D', 'T'],
  ['00189517', 'EndAcquisitionDateTime', 'X/D', 'T'],
  ['00189623', 'FunctionalSyncPulse', 'X', 'T'],
  ['00189804', 'ExclusionStartDateTime', 'X', 'T'],
  ['0018A003', 'ContributionDescription', 'X'],
  // Group 0020: relationships, frame of reference
  ['0020000D', 'StudyInstanceUID', 'U'],
  ['0020000E', 'SeriesInstanceUID', 'U'],
  ['00200010', 'StudyID', 'Z'],
  ['00200027', 'PyramidLabel', 'X'],
  ['00200052', 'FrameOfReferenceUID', 'U'],
  ['00200200', 'SynchronizationFrameOfReferenceUID', 'U'],
  ['00203401', 'ModifyingDeviceID', 'X'],
  ['00203404', 'ModifyingDeviceManufacturer', 'X'],
  ['00203406', 'ModifiedImageDescription', 'X'],
  ['00204000', 'ImageComments', 'X'],
  ['00209158', 'FrameComments', 'X'],
  ['00209161', 'ConcatenationUID', 'U'],
  ['00209164', 'DimensionOrganizationUID', 'U'],
  // Group 0028: palette UIDs, comments
  ['00281199', 'PaletteColorLookupTableUID', 'U'],
  ['00281214', 'LargePaletteColorLookupTableUID', 'U'],
  ['00284000', 'ImagePresentationComments', 'X'],
  // Group 0032: study scheduling (retired) and request
  ['00320012', 'StudyIDIssuer', 'X'],
  ['00320032', 'StudyVerifiedDate', 'X', 'T'],
  ['00320033', 'StudyVerifiedTime', 'X', 'T'],
  ['00320034', 'StudyReadDate', 'X', 'T'],
  ['00320035', 'StudyReadTime', 'X', 'T'],
  ['00321000', 'ScheduledStudyStartDate', 'X', 'T'],
  ['00321001', 'ScheduledStudyStartTime', 'X', 'T'],
  ['00321010', 'ScheduledStudyStopDate', 'X', 'T'],
  ['00321011', 'ScheduledStudyStopTime', 'X', 'T'],
  ['00321020', 'ScheduledStudyLocation', 'X'],
  ['00321021', 'ScheduledStudyLocationAETitle', 'X'],
  ['00321030', 'ReasonForStudy', 'X'],
  ['00321032', 'RequestingPhysician', 'X'],
  ['00321033', 'RequestingService', 'X'],
  ['00321040', 'StudyArrivalDate', 'X', 'T'],
  ['00321041', 'StudyArrivalTime', 'X', 'T'],
  ['00321050', 'StudyCompletionDate', 'X', 'T'],
  ['00321051', 'StudyCompletionTime', 'X', 'T'],
  ['00321060', 'RequestedProcedureDescription', 'X/Z'],
  ['00321064', 'RequestedProcedureCodeSequence', 'X'],
  ['00321066', 'ReasonForVisit', 'X'],
  ['00321067', 'ReasonForVisitCodeSequence', 'X'],
  ['00321070', 'RequestedContrastAgent', 'X'],
  ['00324000', 'StudyComments', 'X'],
  // Group 0038: visit and admission
  ['00380004', 'ReferencedPatientAliasSequence', 'X'],
  ['00380010', 'AdmissionID', 'X'],
  ['00380011', 'IssuerOfAdmissionID', 'X'],
  ['00380014', 'IssuerOfAdmissionIDSequence', 'X'],
  ['0038001A', 'ScheduledAdmissionDate', 'X', 'T'],
  ['0038001B', 'ScheduledAdmissionTime', 'X', 'T'],
  ['0038001C', 'ScheduledDischargeDate', 'X', 'T'],
  ['0038001D', 'ScheduledDischargeTime', 'X', 'T'],
  ['0038001E', 'ScheduledPatientInstitutionResidence', 'X'],
  ['00380020', 'AdmittingDate', 'X', 'T'],
  ['00380021', 'AdmittingTime', 'X', 'T'],
  ['00380030', 'DischargeDate', 'X', 'T'],
  ['00380032', 'DischargeTime', 'X', 'T'],
  ['00380040', 'DischargeDiagnosisDescription', 'X'],
  ['00380050', 'SpecialNeeds', 'X'],
  ['00380060', 'ServiceEpisodeID', 'X'],
  ['00380061', 'IssuerOfServiceEpisodeID', 'X'],
  ['00380062', 'ServiceEpisodeDescription', 'X'],
  ['00380300', 'CurrentPatientLocation', 'X'],
  ['00380400', 'PatientInstitutionResidence', 'X'],
  ['00380500', 'PatientState', 'X'],
  ['00384000', 'VisitComments', 'X'],
  // Group 0040: procedure steps, requests, SR observers and content
  ['00400001', 'ScheduledStationAETitle', 'X'],
  ['00400002', 'ScheduledProcedureStepStartDate', 'X', 'T'],
  ['00400003', 'ScheduledProcedureStepStartTime', 'X', 'T'],
  ['00400004', 'ScheduledProcedureStepEndDate', 'X', 'T'],
  ['00400005', 'ScheduledProcedureStepEndTime', 'X', 'T'],
  ['00400006', 'ScheduledPerformingPhysicianName', 'X'],
  ['00400007', 'ScheduledProcedureStepDescription', 'X'],
  ['0040000B', 'ScheduledPerformingPhysicianIdentificationSequence', 'X'],
  ['00400010', 'ScheduledStationName', 'X'],
  ['00400011', 'ScheduledProcedureStepLocation', 'X'],
  ['00400012', 'PreMedication', 'X'],
  ['00400241', 'PerformedStationAETitle', 'X'],
  ['00400242', 'PerformedStationName', 'X'],
  ['00400243', 'PerformedLocation', 'X'],
  ['00400244', 'PerformedProcedureStepStartDate', 'X', 'T'],
  ['00400245', 'PerformedProcedureStepStartTime', 'X', 'T'],
  ['00400250', 'PerformedProcedureStepEndDate', 'X', 'T'],
  ['00400251', 'PerformedProcedureStepEndTime', 'X', 'T'],
  ['00400253', 'PerformedProcedureStepID', 'X'],
  ['00400254', 'PerformedProcedureStepDescription', 'X'],
  ['00400275', 'RequestAttributesSequence', 'X'],
  ['00400280', 'CommentsOnThePerformedProcedureStep', 'X'],
  ['00400555', 'AcquisitionContextSequence', 'X'],
  ['00401001', 'RequestedProcedureID', 'X'],
  ['00401004', 'PatientTransportArrangements', 'X'],
  ['00401005', 'RequestedProcedureLocation', 'X'],
  ['00401010', 'NamesOfIntendedRecipientsOfResults', 'X'],
  ['00401011', 'IntendedRecipientsOfResultsIdentificationSequence', 'X'],
  ['00401101', 'PersonIdentificationCodeSequence', 'D'],
  ['00401102', 'PersonAddress', 'X'],
  ['00401103', 'PersonTelephoneNumbers', 'X'],
  ['00401104', 'PersonTelecomInformation', 'X'],
  ['00401400', 'RequestedProcedureComments', 'X'],
  ['00402001', 'ReasonForTheImagingServiceRequest', 'X'],
  ['00402008', 'OrderEnteredBy', 'X'],
  ['00402009', 'OrderEntererLocation', 'X'],
  ['00402010', 'OrderCallbackPhoneNumber', 'X'],
  ['00402011', 'OrderCallbackTelecomInformation', 'X'],
  ['00402016', 'PlacerOrderNumberImagingServiceRequest', 'Z'],
  ['00402017', 'FillerOrderNumberImagingServiceRequest', 'Z'],
  ['00402400', 'ImagingServiceRequestComments', 'X'],
  ['00403001', 'ConfidentialityConstraintOnPatientDataDescription', 'X'],
  ['00404023', 'ReferencedGeneralPurposeScheduledProcedureStepTransactionUID', 'U'],
  ['00404025', 'ScheduledStationNameCodeSequence', 'X'],
  ['00404027', 'ScheduledStationGeographicLocationCodeSequence', 'X'],
  ['00404028', 'PerformedStationNameCodeSequence', 'X'],
  ['00404030', 'PerformedStationGeographicLocationCodeSequence', 'X'],
  ['00404034', 'ScheduledHumanPerformersSequence', 'X'],
  ['00404035', 'ActualHumanPerformersSequence', 'X'],
  ['00404036', 'HumanPerformerOrganization', 'X'],
  ['00404037', 'HumanPerformerName', 'X'],
  ['0040A027', 'VerifyingOrganization', 'X'],
  ['0040A030', 'VerificationDateTime', 'D', 'T'],
  ['0040A032', 'ObservationDateTime', 'X/D', 'T'],
  ['0040A073', 'VerifyingObserverSequence', 'D'],
  ['0040A075', 'VerifyingObserverName', 'D'],
  ['0040A078', 'AuthorObserverSequence', 'X'],
  ['0040A07A', 'ParticipantSequence', 'X'],
  ['0040A07C', 'CustodialOrganizationSequence', 'X'],
  ['0040A082', 'ParticipationDateTime', 'X', 'T'],
  ['0040A088', 'VerifyingObserverIdentificationCodeSequence', 'Z'],
  ['0040A120', 'DateTime', 'X', 'T'],
  ['0040A121', 'Date', 'X', 'T'],
  ['0040A122', 'Time', 'X', 'T'],
  ['0040A123', 'PersonName', 'D'],
  ['0040A124', 'UID', 'U'],
  ['0040A160', 'TextValue', 'X'],
  ['0040A171', 'ObservationUID', 'U'],
  ['0040A172', 'ReferencedObservationUIDTrial', 'U'],
  ['0040A192', 'ObservationDateTrial', 'X', 'T'],
  ['0040A193', 'ObservationTimeTrial', 'X', 'T'],
  ['0040A402', 'ObservationSubjectUIDTrial', 'U'],
  ['0040A730', 'ContentSequence', 'X'],
  ['0040DB0C', 'TemplateExtensionOrganizationUID', 'U'],
  ['0040DB0D', 'TemplateExtensionCreatorUID', 'U'],
  // Groups 0070, 0088, 0400, 3006, 300A, 4000, 4008, FFFA, FFFC
  ['00700001', 'GraphicAnnotationSequence', 'D'],
  ['00700084', 'ContentCreatorName', 'Z'],
  ['00700086', 'ContentCreatorIdentificationCodeSequence', 'X'],
  ['0070031A', 'FiducialUID', 'U'],
  ['00701101', 'PresentationDisplayCollectionUID', 'U'],
  ['00701102', 'PresentationSequenceCollectionUID', 'U'],
  ['00880140', 'StorageMediaFileSetUID', 'U'],
  ['00880200', 'IconImageSequence', 'X'],
  ['00880904', 'TopicTitle', 'X'],
  ['00880906', 'TopicSubject', 'X'],
  ['00880910', 'TopicAuthor', 'X'],
  ['00880912', 'TopicKeywords', 'X'],
  ['04000100', 'DigitalSignatureUID', 'X'],
  ['04000402', 'ReferencedDigitalSignatureSequence', 'X'],
  ['04000403', 'ReferencedSOPInstanceMACSequence', 'X'],
  ['04000404', 'MAC', 'X'],
  ['04000550', 'ModifiedAttributesSequence', 'X'],
  ['04000561', 'OriginalAttributesSequence', 'X'],
  ['30060024', 'ReferencedFrameOfReferenceUID', 'U'],
  ['300600C2', 'RelatedFrameOfReferenceUID', 'U'],
  ['300A0013', 'DoseReferenceUID', 'U'],
  ['40000010', 'Arbitrary', 'X'],
  ['40004000', 'TextComments', 'X'],
  ['40080042', 'ResultsIDIssuer', 'X'],
  ['40080102', 'InterpretationRecorder', 'X'],
  ['4008010A', 'InterpretationTranscriber', 'X'],
  ['4008010B', 'InterpretationText', 'X'],
  ['4008010C', 'InterpretationAuthor', 'X'],
  ['40080111', 'InterpretationApproverSequence', 'X'],
  ['40080114', 'PhysicianApprovingInterpretation', 'X'],
  ['40080115', 'InterpretationDiagnosisDescription', 'X'],
  ['40080118', 'ResultsDistributionListSequence', 'X'],
  ['40080119', 'DistributionName', 'X'],
  ['4008011A', 'DistributionAddress', 'X'],
  ['40080202', 'InterpretationIDIssuer', 'X'],
  ['40080300', 'Impressions', 'X'],
  ['40084000', 'ResultsComments', 'X'],
  ['FFFAFFFA', 'DigitalSignaturesSequence', 'X'],
  ['FFFCFFFC', 'DataSetTrailingPadding', 'X'],
];

/** Table E.1-1 keyed by 'GGGGEEEE' (upper case). */
export const basicProfileActions: ReadonlyMap<string, ProfileAttribute> = new Map(
  ROWS.map(([tag, keyword, action, temporal]) => [tag, { tag, keyword, action, temporal: temporal === 'T' }]),
);

/**
 * The one action applied for a compound code. E.1.1 lets the implementation choose
 * by the attribute's Type in the IOD; Vertebra keeps the attribute's presence where a
 * choice allows it (an empty value satisfies Type 2 and 3 and removes the
 * information): X/Z, Z/D, X/Z/D → Z; X/D → X (all X/D rows above are Type 3 in the
 * CT/MR/DX/XA/SR IODs); X/Z/U* → U (the sequence is kept and the UIDs in its items are
 * replaced consistently, so references inside the de-identified set still resolve).
 */
export function resolveAction(action: ProfileActionCode): ResolvedAction {
  switch (action) {
    case 'X/Z':
    case 'Z/D':
    case 'X/Z/D':
      return 'Z';
    case 'X/D':
      return 'X';
    case 'X/Z/U*':
      return 'U';
    case 'C':
      return 'X';
    default:
      return action;
  }
}

/** True for the groups removed whole: private (odd), Curve (50xx), Overlay (60xx). */
export function isRemovedGroup(group: number): boolean {
  return group % 2 === 1 || (group >= 0x5000 && group <= 0x50ff) || (group >= 0x6000 && group <= 0x60ff);
}

/**
 * UI attributes that name a class, syntax or coding scheme rather than an instance:
 * never replaced. Any other UID outside the DICOM root 1.2.840.10008 that is not in
 * the table is replaced too (an instance UID the table does not list still identifies).
 */
export const WELL_KNOWN_UID_TAGS: ReadonlySet<string> = new Set([
  '00020002', // Media Storage SOP Class UID
  '00020010', // Transfer Syntax UID
  '00020012', // Implementation Class UID
  '00041510', // Referenced SOP Class UID in File
  '00041512', // Referenced Transfer Syntax UID in File
  '00080016', // SOP Class UID
  '00080062', // SOP Classes in Study
  '0008010C', // Coding Scheme UID
  '00080117', // Context UID
  '00080118', // Mapping Resource UID
  '00081150', // Referenced SOP Class UID
  '04000010', // MAC Calculation Transfer Syntax UID
]);
